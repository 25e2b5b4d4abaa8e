#!/usr/bin/env python3
"""PyTorch side of maflow's `e2e` suite: what a user's script does end to end, timed from the interpreter's start
(the suite times the whole process, as it times `maflow`).

train:   load a .npy, standardize with the training rows' moments, hold out --validation of the rows (seeded), train
         the peer's plain MAF (Adam, --lr, --weight-decay, batch --batch, --epochs epochs, shuffled each epoch), score the
         validation rows after every epoch and keep the best parameters, save them with the moments (torch.save).
logprob: load that model and a .npy, standardize, score in chunks under no_grad, write float64 log-densities (.npy).

Prints one JSON line with the phases' seconds (import, load, standardize, train/score, validation, write)."""

import argparse
import json
import math
import os
import sys
import time

T0 = time.perf_counter()
p = argparse.ArgumentParser(description=__doc__)
p.add_argument("mode", choices=["train", "logprob"])
p.add_argument("--peer-dir", required=True, help="folder holding bench_torch_plain.py and harness.py")
p.add_argument("--data", required=True, help=".npy input")
p.add_argument("--model", required=True, help="model file written by train, read by logprob")
p.add_argument("--out", help="logprob: .npy of log-densities")
p.add_argument("--layers", type=int, default=5)
p.add_argument("--hidden", type=int, default=512)
p.add_argument("--epochs", type=int, default=2)
p.add_argument("--batch", type=int, default=100)
p.add_argument("--lr", type=float, default=1e-4)
p.add_argument("--weight-decay", type=float, default=1e-6)
p.add_argument("--validation", type=float, default=0.1)
p.add_argument("--chunk", type=int, default=8192)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--seed", type=int, default=0)
a = p.parse_args()
sys.argv = [sys.argv[0], "--threads", str(a.threads)]  # harness sizes its thread pools from argv at import
sys.path.insert(0, a.peer_dir)

import harness  # noqa: E402,F401  (before torch: thread pools)
import numpy as np  # noqa: E402
import torch  # noqa: E402
import bench_torch_plain  # noqa: E402

torch.set_num_threads(a.threads)
phases = {"import": time.perf_counter() - T0}


def lap(name, since):
    now = time.perf_counter()
    phases[name] = phases.get(name, 0.0) + now - since
    return now


t = time.perf_counter()
x = np.load(a.data)
t = lap("load", t)
if a.mode == "train":
    rng = np.random.default_rng(a.seed)
    order = rng.permutation(len(x))
    n_val = int(round(a.validation * len(x)))
    train_np, val_np = x[order[n_val:]], x[order[:n_val]]
    mean, std = train_np.mean(0), train_np.std(0)
    std[std == 0] = 1
    train = torch.from_numpy(((train_np - mean) / std).astype(np.float32))
    val = torch.from_numpy(((val_np - mean) / std).astype(np.float32))
    log_det_std = -float(np.log(std).sum())
    t = lap("standardize", t)
    torch.manual_seed(a.seed)
    model = bench_torch_plain.MAF(x.shape[1], a.layers, a.hidden)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr, weight_decay=a.weight_decay)

    def validate():
        with torch.no_grad():
            return float(torch.cat([model.log_prob(val[i:i + a.chunk]) for i in range(0, len(val), a.chunk)]).mean()) + log_det_std

    best = (validate(), {k: v.clone() for k, v in model.state_dict().items()})
    t = lap("validation", t)
    steps = len(train) // a.batch
    for epoch in range(a.epochs):
        perm = torch.randperm(len(train))
        for s in range(steps):
            batch = train[perm[s * a.batch:(s + 1) * a.batch]]
            opt.zero_grad()
            loss = -model.log_prob(batch).mean()
            loss.backward()
            opt.step()
        t = lap("train", t)
        score = validate()
        if score > best[0]:
            best = (score, {k: v.clone() for k, v in model.state_dict().items()})
        t = lap("validation", t)
    torch.save({"state": best[1], "mean": mean, "std": std, "D": x.shape[1]}, a.model)
    t = lap("write", t)
    result = {"validation_loglik": best[0], "steps": steps * a.epochs}
else:
    saved = torch.load(a.model)
    model = bench_torch_plain.MAF(saved["D"], a.layers, a.hidden)
    model.load_state_dict(saved["state"])
    model.eval()
    t = lap("load", t)
    z = torch.from_numpy(((x - saved["mean"]) / saved["std"]).astype(np.float32))
    log_det_std = -float(np.log(saved["std"]).sum())
    t = lap("standardize", t)
    with torch.no_grad():
        lp = torch.cat([model.log_prob(z[i:i + a.chunk]) for i in range(0, len(z), a.chunk)]).double().numpy() + log_det_std
    t = lap("score", t)
    np.save(a.out, lp)
    t = lap("write", t)
    result = {"rows": len(lp), "mean_logprob": float(lp.mean())}
print(json.dumps({"mode": a.mode, "seconds": time.perf_counter() - T0, "phases": phases, **result}))
