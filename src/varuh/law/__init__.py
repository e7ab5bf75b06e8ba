"""GDPR and Slovenian rules: legal bases, rights, deadline arithmetic. Pure: no I/O."""
