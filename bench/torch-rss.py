#!/usr/bin/env python3
"""PyTorch side of maflow's `rss` suite: train the peer's plain MAF on one paper config for --steps Adam steps
(batch B, random minibatches of --rows synthetic rows) and print one JSON line with the peak RSS in MiB
(VmHWM) after start-up, after building model and data, and at the end."""

import argparse
import json
import resource
import sys
import time

p = argparse.ArgumentParser(description=__doc__)
p.add_argument("--peer-dir", required=True, help="folder holding bench_torch_plain.py and harness.py")
p.add_argument("--config", default="miniboone")
p.add_argument("--steps", type=int, default=1000)
p.add_argument("--rows", type=int, default=30000)
p.add_argument("--threads", type=int, default=2)
a = p.parse_args()
sys.argv = [sys.argv[0], "--threads", str(a.threads)]  # harness sizes its thread pools from argv at import
sys.path.insert(0, a.peer_dir)


def mib() -> float:
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over fork + exec, so it would report the parent's peak.
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


import harness  # noqa: E402
import bench_torch_plain  # noqa: E402
import torch  # noqa: E402

harness.set_threads(a.threads)
start_rss = mib()
cfg = harness.CONFIGS[a.config]
torch.manual_seed(0)
model = bench_torch_plain.MAF(cfg["D"], cfg["K"], cfg["H"])
data = harness.make_data(a.rows, cfg["D"], 1)
opt = torch.optim.Adam(model.parameters(), lr=1e-4)
setup_rss = mib()
g = torch.Generator().manual_seed(2)
t = time.perf_counter()
losses = []
for step in range(a.steps):
    xb = data[torch.randint(0, a.rows, (cfg["B"],), generator=g)]
    opt.zero_grad(set_to_none=True)
    loss = -model.log_prob(xb).mean()
    loss.backward()
    opt.step()
    losses.append(float(loss.detach()))
seconds = time.perf_counter() - t
print(json.dumps(dict(config=a.config, peer="torch_plain", torch=torch.__version__, steps=a.steps, rows=a.rows,
                      seconds=seconds, ms_per_step=1e3 * seconds / a.steps, start_rss_mib=start_rss,
                      setup_rss_mib=setup_rss, max_rss_mib=mib(), loss_first=losses[0], loss_last=losses[-1])))
