"""The stand-in's page and the scripts and style sheets it loads."""

from __future__ import annotations

import re

import aiohttp

from slacksim import SlackSim
from slacksim.ui import ASSETS, SCRIPTS, STYLES


async def test_the_page_and_its_assets_are_served(sim: SlackSim) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(sim.base_url) as page:
            html = await page.text()
            assert (page.status, page.content_type) == (200, "text/html")
            assert "default-src 'self'" in page.headers["Content-Security-Policy"]
        linked = re.findall(r'(?:src|href)="/ui/([^"]+)"', html)
        for name in linked:
            async with http.get(f"{sim.base_url}ui/{name}") as asset:
                assert (asset.status, asset.content_type) == (200, ASSETS.get(name))
        async with http.get(f"{sim.base_url}ui/index.html") as other:
            assert other.status == 404

    assert 'id="user-switcher"' in html
    # Each script adds to what the scripts before it made, so their order is part of the page.
    assert linked == [f"{n}.css" for n in STYLES] + [f"{n}.js" for n in SCRIPTS]
    # Nothing on the page comes from another host.
    assert "http://" not in html and "https://" not in html
