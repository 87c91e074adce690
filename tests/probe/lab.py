"""A censorship lab of three network namespaces made by the test: client ─ censor ─ servers.

    client 10.77.1.2 ── 10.77.1.1 censor 10.77.2.1 ── servers 10.77.2.0/24
                        (ISP resolver, nftables,        (DNS .53, sites, messenger-like
                         tc, SNI/Host middlebox)         endpoints, block page .66, control .100)

Only these namespaces carry traffic; nothing is routed anywhere else. Scenarios switch by
rewriting the censor's rules file, its nftables ruleset and its tc qdiscs.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import trustme

HERE = Path(__file__).parent
VENV_BIN = Path(sys.executable).parent
NETVIGIL = str(VENV_BIN / "netvigil")

SERVERS = {
    "www": "10.77.2.10",
    "blocked": "10.77.2.11",
    "baseline": "10.77.2.12",
    "down": "10.77.2.13",
    "whatsapp": "10.77.2.20",
    "telegram_web": "10.77.2.21",
    "telegram_dc": "10.77.2.30",
    "signal": "10.77.2.40",
    "dns": "10.77.2.53",
    "blockpage": "10.77.2.66",
    "control": "10.77.2.100",
    "observatory": "10.77.2.101",
}
FACEBOOK_HOSTS = (
    "stun.fbsbx.com",
    "b-api.facebook.com",
    "b-graph.facebook.com",
    "edge-mqtt.facebook.com",
    "external.xx.fbcdn.net",
    "scontent.xx.fbcdn.net",
    "star.c10r.facebook.com",
)
ZONE = {
    "www.example.lab": SERVERS["www"],
    "blocked.example.lab": SERVERS["blocked"],
    "baseline.example.lab": SERVERS["baseline"],
    "down.example.lab": SERVERS["down"],
    "web.whatsapp.com": SERVERS["whatsapp"],
    "v.whatsapp.net": SERVERS["whatsapp"],
    "*.whatsapp.net": SERVERS["whatsapp"],
    "web.telegram.org": SERVERS["telegram_web"],
    "textsecure-service.whispersystems.org": SERVERS["signal"],
    "storage.signal.org": SERVERS["signal"],
    **dict.fromkeys(FACEBOOK_HOSTS, SERVERS["whatsapp"]),
}
TLS_NAMES = [n for n in ZONE if not n.startswith("*")] + ["*.whatsapp.net"]


class Lab:
    """The namespaces, the processes in them, and scenario switches."""

    def __init__(self, workdir: Path) -> None:
        tag = f"{os.getpid() % 100000}"
        self.client, self.censor, self.servers = f"nvc{tag}", f"nvr{tag}", f"nvs{tag}"
        self.workdir = workdir
        self.procs: list[subprocess.Popen[bytes]] = []

    # -- plumbing ---------------------------------------------------------------------------
    def ns(self, ns: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            ["ip", "netns", "exec", ns, *args], check=check, capture_output=True, timeout=120
        )

    def spawn(self, ns: str, *args: str) -> subprocess.Popen[bytes]:
        """Start a process in a namespace; it is ended when the lab goes down."""
        return self._spawn(ns, *args)

    def wait_line(self, proc: subprocess.Popen[bytes], seconds: float = 20) -> str:
        """The next line the process prints (raises if none comes in time)."""
        return self._wait_line(proc, seconds)

    def _spawn(self, ns: str, *args: str) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            ["ip", "netns", "exec", ns, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        self.procs.append(proc)
        return proc

    def _links(self) -> None:
        for ns in (self.client, self.censor, self.servers):
            subprocess.run(["ip", "netns", "add", ns], check=True)
            self.ns(ns, "ip", "link", "set", "lo", "up")
        subprocess.run(
            [
                "ip",
                "link",
                "add",
                "c0",
                "netns",
                self.client,
                "type",
                "veth",
                "peer",
                "name",
                "r0",
                "netns",
                self.censor,
            ],
            check=True,
        )
        subprocess.run(
            [
                "ip",
                "link",
                "add",
                "r1",
                "netns",
                self.censor,
                "type",
                "veth",
                "peer",
                "name",
                "s0",
                "netns",
                self.servers,
            ],
            check=True,
        )
        self.ns(self.client, "ip", "addr", "add", "10.77.1.2/24", "dev", "c0")
        self.ns(self.censor, "ip", "addr", "add", "10.77.1.1/24", "dev", "r0")
        self.ns(self.censor, "ip", "addr", "add", "10.77.2.1/24", "dev", "r1")
        self.ns(self.servers, "ip", "addr", "add", "10.77.2.2/24", "dev", "s0")
        for ip in SERVERS.values():
            self.ns(self.servers, "ip", "addr", "add", f"{ip}/32", "dev", "s0")
        for ns, dev in ((self.client, "c0"), (self.censor, "r0"), (self.censor, "r1"), (self.servers, "s0")):
            self.ns(ns, "ip", "link", "set", dev, "up")
        self.ns(self.client, "ip", "route", "add", "default", "via", "10.77.1.1")
        self.ns(self.servers, "ip", "route", "add", "default", "via", "10.77.2.1")
        self.ns(self.censor, "sysctl", "-qw", "net.ipv4.ip_forward=1")

    def _certs(self) -> None:
        ca, foreign = trustme.CA(), trustme.CA(organization_name="Foreign Interception CA")
        ca.cert_pem.write_to_path(str(self.workdir / "ca.pem"))
        for name, authority, names in (
            ("server", ca, TLS_NAMES),
            ("blockpage", ca, ["blockpage.lab"]),
            ("foreign", foreign, TLS_NAMES),
        ):
            cert = authority.issue_cert(*names)
            cert.private_key_pem.write_to_path(str(self.workdir / f"{name}.key"))
            with open(self.workdir / f"{name}.pem", "wb") as out:
                for blob in cert.cert_chain_pems:
                    out.write(blob.bytes())

    def _config(self) -> None:
        lab = {
            "dns_ip": SERVERS["dns"],
            "censor_dns_ip": "10.77.1.1",
            "zone": ZONE,
            "https_sites": [
                SERVERS[k] for k in ("www", "blocked", "baseline", "whatsapp", "telegram_web", "signal")
            ],
            "plain_http_on_443": [SERVERS["telegram_dc"]],
            "tcp_only": [[SERVERS["whatsapp"], 5222]],
            "blockpage_ip": SERVERS["blockpage"],
        }
        (self.workdir / "lab.json").write_text(json.dumps(lab))
        probe = {
            "resolver": "10.77.1.1",
            "ca_bundle": str(self.workdir / "ca.pem"),
            "timeout": 2.0,
            "allowed_networks": ["10.77.0.0/16"],
            "control_url": f"http://{SERVERS['control']}:8080/",
            "baseline_url": "https://baseline.example.lab/",
            "probe_cc": "KZ",
            "probe_asn": "AS29355",
            "endpoints": {
                "whatsapp": {"endpoints": ["e1.whatsapp.net:5222", "e2.whatsapp.net:5222"]},
                "telegram": {"data_centres": [SERVERS["telegram_dc"]]},
                "signal": {
                    "urls": ["https://textsecure-service.whispersystems.org/", "https://storage.signal.org/"]
                },
            },
        }
        (self.workdir / "probe.json").write_text(json.dumps(probe))
        self.set_rules({})

    def _wait_file(self, name: str, proc: subprocess.Popen[bytes], seconds: float = 20) -> None:
        deadline = time.monotonic() + seconds
        while not (self.workdir / name).exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                output = proc.stdout.read().decode() if proc.stdout and proc.poll() is not None else ""
                raise RuntimeError(f"lab process for {name} did not start: {output}")
            time.sleep(0.05)

    def _wait_line(self, proc: subprocess.Popen[bytes], seconds: float = 20) -> str:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], seconds)
        if not ready:
            raise RuntimeError("lab process printed nothing in time")
        return proc.stdout.readline().decode()

    def up(self) -> Lab:
        self._links()
        self._certs()
        self._config()
        python = sys.executable
        servers = self._spawn(self.servers, python, str(HERE / "lab_servers.py"), str(self.workdir))
        censor = self._spawn(self.censor, python, str(HERE / "lab_censor.py"), str(self.workdir))
        control = self._spawn(
            self.servers, NETVIGIL, "control", "serve", "--host", SERVERS["control"], "--port", "8080",
            "--resolver", SERVERS["dns"], "--ca-bundle", str(self.workdir / "ca.pem"), "--timeout", "2",
            "--allow-network", "10.77.0.0/16",
        )  # fmt: skip
        self._wait_file("servers.ready", servers)
        self._wait_file("censor.ready", censor)
        self._wait_line(control)
        return self

    def down(self) -> None:
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
        for ns in (self.client, self.censor, self.servers):
            subprocess.run(["ip", "netns", "del", ns], check=False, capture_output=True)

    # -- scenarios --------------------------------------------------------------------------
    def set_rules(self, rules: dict[str, Any]) -> None:
        tmp = self.workdir / "rules.json.tmp"
        tmp.write_text(json.dumps(rules))
        tmp.replace(self.workdir / "rules.json")

    def set_nft(self, forward: list[str] = (), prerouting: list[str] = ()) -> None:  # type: ignore[assignment]
        text = "flush ruleset\ntable ip lab {\n"
        text += "  chain lab_pre { type nat hook prerouting priority dstnat; policy accept;\n"
        text += "".join(f"    {rule}\n" for rule in prerouting) + "  }\n"
        text += "  chain lab_forward { type filter hook forward priority filter; policy accept;\n"
        text += "".join(f"    {rule}\n" for rule in forward) + "  }\n}\n"
        path = self.workdir / "lab.nft"
        path.write_text(text)
        self.ns(self.censor, "nft", "-f", str(path))

    def set_throttle(self, source: str | None, dev: str = "r0") -> None:
        """Slow traffic from ``source`` to 400 kbit/s on the censor's ``dev`` (toward a client)."""
        self.ns(self.censor, "tc", "qdisc", "del", "dev", dev, "root", check=False)
        if source is None:
            return
        tc = ("tc", "-s")
        self.ns(self.censor, *tc, "qdisc", "add", "dev", dev, "root", "handle", "1:", "htb", "default", "10")
        self.ns(self.censor, *tc, "class", "add", "dev", dev, "parent", "1:", "classid", "1:10",
                "htb", "rate", "1gbit")  # fmt: skip
        self.ns(self.censor, *tc, "class", "add", "dev", dev, "parent", "1:", "classid", "1:20",
                "htb", "rate", "400kbit", "ceil", "400kbit")  # fmt: skip
        self.ns(self.censor, *tc, "filter", "add", "dev", dev, "parent", "1:", "protocol", "ip", "prio", "1",
                "u32", "match", "ip", "src", f"{source}/32", "flowid", "1:20")  # fmt: skip

    def reset(self) -> None:
        self.set_rules({})
        self.set_nft()
        self.set_throttle(None)

    def probe(self, tests: str, urls: list[str] | None = None) -> list[dict[str, Any]]:
        """Run ``netvigil reach run`` in the client namespace; returns its measurements."""
        out = self.workdir / f"out-{time.monotonic_ns()}.jsonl"
        args = [NETVIGIL, "reach", "run", "--tests", tests, "--config", str(self.workdir / "probe.json")]
        args += ["--output", str(out)]
        if urls:
            url_file = self.workdir / "urls.txt"
            url_file.write_text("\n".join(urls) + "\n")
            args += ["--urls", str(url_file)]
        result = self.ns(self.client, *args, check=False)
        if result.returncode != 0:
            raise RuntimeError(result.stdout.decode() + result.stderr.decode())
        return [json.loads(line) for line in out.read_text().splitlines()]
