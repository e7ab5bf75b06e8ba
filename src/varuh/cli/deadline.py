"""Commands of this group are added by the issue that owns it."""
