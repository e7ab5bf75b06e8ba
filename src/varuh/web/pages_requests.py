"""Routes of this module are added by the issue that owns it."""

from fastapi import APIRouter

router = APIRouter()
