"""Airflow's REST API (v2), authenticated with the lab's generated admin login, or with the
login of a cluster profile's credentials file."""

from __future__ import annotations

import requests

from labctl.core import addresses as ab
from labctl.core.addresses import Addresses
from labctl.core.errors import LabError, ServiceUnreachable
from labctl.core.manifest import Manifest


HINT = "is the lab up? `labctl status` shows airflow-apiserver; `labctl logs airflow-apiserver` says why it is not"


class AirflowAPI:
    def __init__(self, manifest: Manifest | None = None, timeout: float | None = None, *, addresses: Addresses | None = None):
        self.manifest = manifest or Manifest()
        self.addresses = addresses or ab.current(self.manifest)
        self.base = self.addresses.airflow
        self.timeout = self.addresses.timeouts.rest if timeout is None else timeout
        self._session = requests.Session()
        self._token: str | None = None

    def _send(self, method: str, url: str, **kwargs) -> requests.Response:
        try:
            return self._session.request(method, url, timeout=self.timeout, **kwargs)
        except (requests.ConnectionError, requests.Timeout) as error:
            raise ServiceUnreachable("Airflow's API", self.base, error, self.timeout, hint=HINT) from None

    def health(self) -> dict:
        response = self._send("GET", f"{self.base}/api/v2/monitor/health")
        response.raise_for_status()
        return response.json()

    def _login(self) -> tuple[str, str]:
        if self.addresses.credentials_file is not None:
            from labctl.core.profile import airflow_credentials

            return airflow_credentials(self.addresses.credentials_file)
        from labctl.core.secrets import airflow_login

        return airflow_login(self.manifest)

    def _authenticate(self) -> None:
        username, password = self._login()
        response = self._send("POST", f"{self.base}/auth/token", json={"username": username, "password": password})
        if response.status_code >= 400:
            hint = ("`labctl down --volumes` resets a lab whose secrets were lost" if self.addresses.is_lab
                    else f"check the login in {self.addresses.credentials_file}")
            who = "the lab's admin login" if self.addresses.is_lab else f"the login of {username!r}"
            raise LabError(f"Airflow refused {who} (HTTP {response.status_code})", hint=hint)
        self._token = response.json()["access_token"]
        self._session.headers["Authorization"] = f"Bearer {self._token}"

    def request(self, method: str, path: str, **kwargs) -> dict:
        if self._token is None:
            self._authenticate()
        response = self._send(method, f"{self.base}/api/v2{path}", **kwargs)
        if response.status_code >= 400:
            raise LabError(f"Airflow API {method} {path} answered {response.status_code}", details=response.text[:2000])
        return response.json() if response.content else {}

    def get(self, path: str, **params) -> dict:
        return self.request("GET", path, params=params)

    def import_errors(self) -> list[dict]:
        return self.get("/importErrors").get("import_errors", [])

    def dags(self) -> list[dict]:
        return self.get("/dags").get("dags", [])
