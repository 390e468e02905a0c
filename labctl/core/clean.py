"""`labctl clean`: remove what the lab installed, and only that.

    the containers and volumes of the compose project, the lab's images (mastolab/*),
    the generated secrets (.lab/secrets/), and the compose plugin link bootstrap wrote
    (only when it still points at this project's compose binary).

Everything else stays: other projects' volumes and images, the base images a user
pulled, the lab's checkpoints and reports, a compose plugin of the user's own.

A named lab (`labctl --lab NAME clean`) removes its containers, its volumes and its whole
state directory (secrets, profile, ports): the images and the plugin link are every lab's,
and stay. So do they when the default lab is cleaned while other labs are on the host.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from labctl.core import compose as dc
from labctl.core.errors import LabError
from labctl.core.images import LAB_REPOSITORIES, LOCAL_BASE
from labctl.core.addresses import project_label
from labctl.core.manifest import Manifest
from labctl.core.secrets import secrets_dir

PLUGIN_LINK = Path.home() / ".docker" / "cli-plugins" / "docker-compose"


@dataclass(frozen=True)
class Item:
    kind: str  # volume, image, secrets, plugin link
    name: str


def our_compose_binary() -> Path:
    return Path(sys.executable).with_name("docker-compose")


def plugin_link_is_ours(link: Path = PLUGIN_LINK, binary: Path | None = None) -> bool:
    """A symbolic link to this project's compose binary; a user's own plugin is not ours."""
    binary = binary or our_compose_binary()
    return link.is_symlink() and os.path.realpath(link) == os.path.realpath(binary)


def plan(manifest: Manifest, engine, *, link: Path = PLUGIN_LINK, binary: Path | None = None, shared: bool = True) -> list[Item]:
    """shared: also what every lab of the host uses (the images, the plugin link); never for a
    named lab."""
    items = [Item("volume", volume.name) for volume in engine.volumes.list(filters={"label": project_label(manifest)})]
    shared = shared and manifest.lab is None
    if shared:
        tags = sorted({tag for image in engine.images.list() for tag in image.tags if tag.rsplit(":", 1)[0] in LAB_REPOSITORIES})
        items += [Item("image", tag) for tag in tags]
    if manifest.lab is not None and manifest.state_dir.exists():
        items.append(Item("state", str(manifest.state_dir)))
    elif manifest.lab is None and secrets_dir(manifest).exists():
        items.append(Item("secrets", str(secrets_dir(manifest))))
    if shared and plugin_link_is_ours(link, binary):
        items.append(Item("plugin link", str(link)))
    return items


def execute(manifest: Manifest, engine, items: list[Item], *, compose=None) -> None:
    """Containers and volumes go with `compose down --volumes` (every profile); then the rest.
    What cannot be removed is named at the end; the rest is removed all the same."""
    from docker.errors import APIError, NotFound

    compose = compose or dc.compose
    compose(manifest, *dc.all_profiles(), "down", "--remove-orphans", "--volumes", timeout=300)
    # compose removes the volumes its model names; one left by an older compose file goes here.
    left = {volume.name for volume in engine.volumes.list(filters={"label": project_label(manifest)})}
    failed = []
    # The base image last: the others are built on it.
    for item in sorted(items, key=lambda item: item.kind == "image" and item.name == LOCAL_BASE):
        try:
            if item.kind == "volume" and item.name in left:
                engine.volumes.get(item.name).remove(force=True)
            elif item.kind == "image":
                engine.images.remove(item.name, force=False, noprune=False)
            elif item.kind in ("secrets", "state"):
                shutil.rmtree(item.name)
            elif item.kind == "plugin link":
                Path(item.name).unlink()
        except NotFound:
            pass
        except (APIError, OSError) as error:
            failed.append(f"{item.kind} {item.name}: {error}")
    if failed:
        raise LabError(f"{len(failed)} of {len(items)} could not be removed", details="\n".join(failed), hint="a container outside the lab may use an image: `docker ps -a`")
