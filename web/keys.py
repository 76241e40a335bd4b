"""Typed keys of what the application keeps (aiohttp's AppKey)."""

from __future__ import annotations

from aiohttp import web

from core.signin import SignInLinks
from priemnaya.bootstrap import Services
from web.render import Renderer

SERVICES = web.AppKey("services", Services)
SIGNIN = web.AppKey("signin", SignInLinks)
RENDERER = web.AppKey("renderer", Renderer)
