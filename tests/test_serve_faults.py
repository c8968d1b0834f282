"""`wandguard serve` when its disk is full: the upload fails with a clear 507, leaves no partial blob, and the
server keeps working (a smaller upload then succeeds). The data directory is a 4 MiB tmpfs mounted in a private
mount namespace (`unshare -rm`), so the test needs no privileges beyond user namespaces."""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess

import pytest
import requests
from wandb_serve_harness import start_serve

TMPFS_BYTES = 4 << 20
CREATE_ARTIFACT = ("mutation CreateArtifact ($input: CreateArtifactInput!) { createArtifact(input: $input) "
                   "{ artifact { id state } } }")
CREATE_FILES = ("mutation CreateArtifactFiles ($input: CreateArtifactFilesInput!) { createArtifactFiles(input: $input) "
                "{ files { edges { node { uploadUrl uploadHeaders } } } } }")


def user_namespaces_work() -> bool:
    """Whether `unshare -rm` can mount a tmpfs here."""
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=1m tmpfs /mnt"],
                           capture_output=True, check=False)
    return probe.returncode == 0


def graphql(base_url: str, key: str, query: str, variables: dict) -> dict:
    """A GraphQL call that must succeed; returns `data`."""
    response = requests.post(f"{base_url}/graphql", json={"query": query, "variables": variables},
                             auth=("api", key), timeout=30)
    response.raise_for_status()
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


def upload_url(base_url: str, key: str, artifact_id: str, content: bytes) -> str:
    """Asks for an upload URL for `content` in `artifact_id`."""
    md5 = base64.b64encode(hashlib.md5(content).digest()).decode()
    data = graphql(base_url, key, CREATE_FILES,
                   {"input": {"artifactFiles": [{"artifactID": artifact_id, "name": "f", "md5": md5}]}})
    return data["createArtifactFiles"]["files"]["edges"][0]["node"]["uploadUrl"]


@pytest.mark.skipif(not user_namespaces_work(), reason="needs `unshare -rm` (user + mount namespaces) to mount a tmpfs")
def test_a_full_disk_fails_the_upload_cleanly_and_the_server_goes_on(wandguard_bin, tmp_path):
    data_dir = tmp_path / "small-disk"
    data_dir.mkdir()
    mount_tmpfs = ("unshare", "-rm", "sh", "-c",
                   f'mount -t tmpfs -o size={TMPFS_BYTES} tmpfs "$0" && exec "$@"', str(data_dir))
    server = start_serve(wandguard_bin, data_dir, "k" * 40, tmp_path / "logs", wrapper=mount_tmpfs)
    try:
        created = graphql(server.base_url, server.api_key, CREATE_ARTIFACT, {"input": {
            "projectName": "p", "artifactTypeName": "dataset", "artifactCollectionName": "big", "digest": "d"}})
        artifact_id = created["createArtifact"]["artifact"]["id"]

        too_big = bytes(range(256)) * (3 * TMPFS_BYTES // 256)
        refused = requests.put(upload_url(server.base_url, server.api_key, artifact_id, too_big), data=too_big,
                               timeout=60)
        assert refused.status_code == 507, refused.text
        assert "cannot store the upload" in refused.json()["error"]["message"]

        # The partial upload was removed: a file that fits now stores, and downloads byte-exact.
        fits = b"x" * (TMPFS_BYTES // 2)
        assert requests.put(upload_url(server.base_url, server.api_key, artifact_id, fits), data=fits,
                            timeout=60).status_code == 200
        viewer = graphql(server.base_url, server.api_key, "query Viewer { viewer { entity } }", {})
        assert viewer["viewer"]["entity"] == "tester"
    finally:
        assert server.stop() == 0, server.log()
