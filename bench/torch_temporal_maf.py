#!/usr/bin/env python3
"""Plain-PyTorch temporal MAF, the reference of maflow's `sequences` benchmark suite (own code, no flow library).

The architecture of maflow's createTemporalMaf({features, layers, hiddenUnits, encoder: 'lstm', encoderUnits}):
an nn.LSTM (one layer) reads the history, h_0 = 0, and the per-step conditional density is a K-layer MAF whose
MADEs (sequential degrees, ReLU, masks as in the MAF paper) take the context [h_{t-1}] in every layer (hidden and
output, unmasked), with the affine transform z = (x - m) * exp(-s), s = 5 tanh(r / 5) (maflow's soft clip), the feature
order reversed between layers, over a conditional Gaussian base whose mean and log-std an MLP (context -> 32 ReLU ->
2F) computes. log p(x_1..x_T) = sum_t log p(x_t | h_{t-1}); the flow runs once over all (sequence, step) rows.

Measured (float32, CPU), same protocol as maflow's side (bench/suites/sequences-suite.ts):
  train_step_ms            median over --train-steps timed steps (after --warmup) of zero_grad,
                           -log_prob(batch).mean(), backward, Adam step, on --batch sequences;
  logprob_sequences_per_s  log_prob of --logprob-sequences sequences under no_grad in chunks of --chunk (median of
                           --repeats).
Prints one JSON object on stdout.
"""

import argparse
import json
import math
import os
import statistics
import sys
import time


def _threads(argv):
    for i, a in enumerate(argv):
        if a == "--threads" and i + 1 < len(argv):
            return int(argv[i + 1])
    return 1


# Thread pools are sized before torch loads (see ../shared/peers/harness.py for why).
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = str(_threads(sys.argv[1:]))
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402


class CondMaskedLinear(nn.Module):
    def __init__(self, in_deg, out_deg, strict, context):
        super().__init__()
        self.linear = nn.Linear(len(in_deg), len(out_deg))
        self.context = nn.Linear(context, len(out_deg), bias=False)
        m = out_deg[:, None] > in_deg[None, :] if strict else out_deg[:, None] >= in_deg[None, :]
        self.register_buffer("mask", m.to(torch.float32))

    def forward(self, x, c):
        return F.linear(x, self.linear.weight * self.mask, self.linear.bias) + self.context(c)


class CondMADE(nn.Module):
    """(m, r) per feature from x_<d and the context; output columns interleaved as maflow's (m_d, r_d)."""

    def __init__(self, D, hidden, context):
        super().__init__()
        d_in = torch.arange(1, D + 1)
        degs = [d_in] + [torch.sort(torch.arange(h) % max(1, D - 1) + min(1, D - 1)).values for h in hidden]
        self.hidden = nn.ModuleList(CondMaskedLinear(a, b, False, context) for a, b in zip(degs[:-1], degs[1:]))
        self.out = CondMaskedLinear(degs[-1], d_in.repeat_interleave(2), True, context)

    def forward(self, x, c):
        for layer in self.hidden:
            x = F.relu(layer(x, c))
        out = self.out(x, c).view(x.shape[0], -1, 2)
        return out[..., 0], out[..., 1]


class TemporalMAF(nn.Module):
    def __init__(self, D, K, hidden, units, base_hidden=32):
        super().__init__()
        self.D, self.units = D, units
        self.lstm = nn.LSTM(D, units, batch_first=True)
        self.mades = nn.ModuleList(CondMADE(D, hidden, units) for _ in range(K))
        self.base = nn.Sequential(nn.Linear(units, base_hidden), nn.ReLU(), nn.Linear(base_hidden, 2 * D))

    def log_prob(self, x):  # x (B, T, D) -> (B,)
        B, T, D = x.shape
        h, _ = self.lstm(x)  # h[:, t] = state after reading x_0..x_t
        ctx = torch.cat([torch.zeros(B, 1, self.units), h[:, :-1]], dim=1).reshape(B * T, self.units)
        z = x.reshape(B * T, D)
        ladj = torch.zeros(B * T)
        for k, made in enumerate(self.mades):
            if k > 0:
                z = z.flip(-1)
            m, r = made(z, ctx)
            s = 5 * torch.tanh(r / 5)
            z = (z - m) * torch.exp(-s)
            ladj = ladj - s.sum(-1)
        mu, log_std = self.base(ctx).chunk(2, dim=-1)
        base = -0.5 * ((z - mu) * torch.exp(-log_std)).pow(2) - log_std - 0.5 * math.log(2 * math.pi)
        return (base.sum(-1) + ladj).view(B, T).sum(-1)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--steps-per-sequence", type=int, default=50)
    p.add_argument("--features", type=int, default=4)
    p.add_argument("--units", type=int, default=64)
    p.add_argument("--layers", type=int, default=5)
    p.add_argument("--hidden", type=str, default="64,64")
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--train-steps", type=int, default=20)
    p.add_argument("--logprob-sequences", type=int, default=2000)
    p.add_argument("--chunk", type=int, default=500)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    T, D = a.steps_per_sequence, a.features
    model = TemporalMAF(D, a.layers, [int(h) for h in a.hidden.split(",")], a.units)
    # AR(1) sequences, as maflow's side draws them.
    data = torch.zeros(a.logprob_sequences, T, D)
    x = torch.randn(a.logprob_sequences, D)
    for t in range(T):
        x = 0.8 * x + 0.5 * torch.randn(a.logprob_sequences, D)
        data[:, t] = x
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    times, losses = [], []
    for i in range(a.warmup + a.train_steps):
        idx = torch.randint(0, data.shape[0], (a.batch,))
        xb = data[idx]
        start = time.perf_counter()
        opt.zero_grad()
        loss = -model.log_prob(xb).mean()
        loss.backward()
        opt.step()
        elapsed = time.perf_counter() - start
        losses.append(float(loss))
        if i >= a.warmup:
            times.append(elapsed * 1e3)
    lp_times, finite = [], True
    with torch.no_grad():
        model.log_prob(data[: min(a.chunk, 64)])
        for _ in range(a.repeats):
            start = time.perf_counter()
            outs = [model.log_prob(data[i:i + a.chunk]) for i in range(0, data.shape[0], a.chunk)]
            lp_times.append(time.perf_counter() - start)
            finite = finite and all(bool(torch.isfinite(o).all()) for o in outs)
    print(json.dumps({
        "peer": "torch_temporal_maf", "torch_version": torch.__version__, "threads": a.threads,
        "params": sum(p.numel() for p in model.parameters()), "train_step_ms": statistics.median(times),
        "logprob_sequences_per_s": a.logprob_sequences / statistics.median(lp_times),
        "loss_first": losses[0], "loss_last": losses[-1], "finite": finite and all(math.isfinite(v) for v in losses),
    }))


if __name__ == "__main__":
    main()
