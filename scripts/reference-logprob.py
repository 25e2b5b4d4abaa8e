#!/usr/bin/env python3
"""Log-densities of the rows of a CSV file under a maflow model file, with the standard library and numpy only.

    python3 scripts/reference-logprob.py model.safetensors data.csv > logp.txt

An independent reading of model format 2 as the README's "Model files" section describes it (the tests hold maflow's
own log-densities to it): the safetensors container is parsed here (8-byte little-endian header length, JSON header,
raw tensors), the flow is rebuilt from the `config` metadata and evaluated in float64 in the data -> base direction:

    log p(x | c) = log N(u; 0, I) + sum of the log-determinants,   u = f^-1(x; c~),   c~ = (c - mean_c) / std_c

Supported: a TransformedDistribution with a StandardNormal base over a Chain of Standardize, MaskedAutoregressiveFlow
(affine transformer), Permute and BatchNormalization, with or without a context pre-map (contextStandardize).
The CSV has a header; the model's columns (metadata `columns`, then `contextColumns`) are read by name when the header
has them all, else by position. One log-density (natural log) per line on stdout.
"""
import csv
import json
import math
import struct
import sys

import numpy as np

DTYPES = {"F32": "<f4", "F64": "<f8", "I32": "<i4", "I64": "<i8"}
ACTIVATIONS = {
    "relu": lambda v: np.maximum(v, 0.0),
    "tanh": np.tanh,
    "elu": lambda v: np.where(v > 0, v, np.expm1(np.minimum(v, 0.0))),
    "sigmoid": lambda v: 1.0 / (1.0 + np.exp(-v)),
    "softplus": lambda v: np.logaddexp(0.0, v),
    "identity": lambda v: v,
}


def read_safetensors(path):
    """Tensors (float64 arrays of their shapes) and the string metadata of a safetensors file."""
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + length].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    body = data[8 + length :]
    tensors = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        values = np.frombuffer(body[begin:end], dtype=DTYPES[entry["dtype"]])
        tensors[name] = values.reshape(entry["shape"]).astype(np.float64)
    return tensors, metadata


def made_params(tensors, prefix, made, x, c):
    """The MADE's output [n, D*P] (column d*P + p: parameter p of feature d). Masked weights are stored as 0."""
    # "activation" is one name, or one per hidden layer when they differ.
    names = made["activation"] if isinstance(made["activation"], list) else [made["activation"]] * len(made["hiddenUnits"])
    h = x
    for layer in range(len(made["hiddenUnits"])):
        act = ACTIVATIONS[names[layer]]
        p = f"{prefix}.made.hidden.{layer}"
        a = h @ tensors[f"{p}.weight"].T + tensors[f"{p}.bias"]
        if c is not None:
            a = a + c @ tensors[f"{p}.contextWeight"].T
        a = act(a)
        h = h + a if made.get("residual") and layer > 0 else a
    p = f"{prefix}.made.output"
    out = h @ tensors[f"{p}.weight"].T + tensors[f"{p}.bias"]
    if c is not None:
        out = out + c @ tensors[f"{p}.contextWeight"].T
    return out


def inverse(config, tensors, prefix, x, c):
    """Data -> base for one bijector: (u [n, D], log|det du/dx| [n])."""
    kind = config["type"]
    n = x.shape[0]
    if kind == "Chain":
        total = np.zeros(n)
        for i, member in enumerate(config["bijectors"]):
            x, log_det = inverse(member, tensors, f"{prefix}.bijectors.{i}", x, c)
            total += log_det
        return x, total
    if kind == "Standardize":
        mean, std = np.array(config["mean"]), np.array(config["std"])
        return (x - mean) / std, np.full(n, -np.sum(np.log(std)))
    if kind == "Permute":
        # forward(u)[:, i] = u[:, perm[i]], so the data -> base direction is x[:, argsort(perm)].
        return x[:, np.argsort(config["permutation"])], np.zeros(n)
    if kind == "BatchNormalization":
        mean, var = tensors[f"{prefix}.runningMean"], tensors[f"{prefix}.runningVariance"]
        log_gamma, beta = tensors[f"{prefix}.logGamma"], tensors[f"{prefix}.beta"]
        sigma = np.sqrt(var + config["eps"])
        u = (x - mean) / sigma * np.exp(log_gamma) + beta
        return u, np.full(n, np.sum(log_gamma - np.log(sigma)))
    if kind == "MaskedAutoregressiveFlow":
        transformer = config["transformer"]
        if transformer["type"] != "affine":
            raise SystemExit(f"reference-logprob: transformer {transformer['type']!r} is not supported (affine only)")
        d = config["made"]["features"]
        params = made_params(tensors, prefix, config["made"], x, c)
        if transformer["shiftOnly"]:
            return x - params, np.zeros(n)
        params = params.reshape(n, d, 2)
        shift, raw = params[:, :, 0], params[:, :, 1]
        bound = transformer["logScaleBound"]  # null in the JSON: no clip
        log_scale = raw if bound is None else bound * np.tanh(raw / bound)
        return (x - shift) * np.exp(-log_scale), -np.sum(log_scale, axis=1)
    raise SystemExit(f"reference-logprob: bijector {kind!r} is not supported")


def log_prob(config, tensors, x, c):
    if config["type"] != "TransformedDistribution" or config["base"]["type"] != "StandardNormal":
        raise SystemExit("reference-logprob: expected a TransformedDistribution over a StandardNormal base")
    pre = config.get("contextStandardize")
    if pre is not None:
        c = (c - np.array(pre["mean"])) / np.array(pre["std"])
    u, log_det = inverse(config["bijector"], tensors, "bijector", x, c)
    d = u.shape[1]
    return -0.5 * np.sum(u * u, axis=1) - 0.5 * d * math.log(2 * math.pi) + log_det


def read_rows(path, names):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], [r for r in rows[1:] if r]
    index = [header.index(n) for n in names] if all(n in header for n in names) else list(range(len(names)))
    return np.array([[float(r[i]) for i in index] for r in body], dtype=np.float64)


def main(argv):
    if len(argv) != 3:
        raise SystemExit("usage: reference-logprob.py MODEL.safetensors DATA.csv")
    tensors, metadata = read_safetensors(argv[1])
    if metadata.get("format") != "maflow" or metadata.get("formatVersion") != "2":
        raise SystemExit("reference-logprob: expected a maflow model file of format 2")
    config = json.loads(metadata["config"])
    columns, context_columns = json.loads(metadata["columns"]), json.loads(metadata["contextColumns"])
    table = read_rows(argv[2], columns + context_columns)
    x, c = table[:, : len(columns)], (table[:, len(columns) :] if context_columns else None)
    for value in log_prob(config, tensors, x, c):
        print(repr(float(value)))


if __name__ == "__main__":
    main(sys.argv)
