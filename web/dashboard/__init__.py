"""The dashboard under `/`: server-rendered pages (Jinja2), sessions opened by a one-time
link from `/ticket web`; `mount.py` ties the parts to the ASGI app."""
