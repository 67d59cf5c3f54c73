"""
The baseline of issue 16's training target, measured on this machine: the
article's LSTM-with-attention model written in PyTorch as its notebook does
(a Dense/Linear layer over one-hot touchpoints, LSTM(64), a tanh attention
score per step, softmax over the steps, the weighted sum, a sigmoid output;
RMSprop, binary cross-entropy, batch 64), trained on fabricated journeys of
the shape `npm run bench:train` uses (100 campaigns and 7 category columns of
150 values, so a touchpoint is ~1,150 one-hot floats plus 4 numbers; 15
steps, lengths uniform 1..15, mean 8).

Prints journeys per wall second and per CPU second (process time, all
threads) for 1 and 2 threads, with the one-hot input the notebook uses and,
for the best case, an EmbeddingBag in its place.

    python3 bench/pytorch_attention.py [--batches 150] [--batch 64]

Needs PyTorch (Debian: apt-get install python3-torch libopenblas0-pthread;
run it with /usr/bin/python3). Not part of the tests.
"""
import argparse
import time

import numpy as np
import torch
from torch import nn

CAMPAIGNS, COLUMNS, VALUES, NUMERIC, STEPS = 100, 7, 150, 4, 15
WIDTH = CAMPAIGNS + COLUMNS * VALUES + NUMERIC


class Attention(nn.Module):
    def __init__(self, onehot: bool):
        super().__init__()
        self.onehot = onehot
        if onehot:
            self.embed = nn.Linear(WIDTH, 128)
        else:
            self.bag = nn.EmbeddingBag(CAMPAIGNS + COLUMNS * VALUES, 128, mode="sum")
            self.numeric = nn.Linear(NUMERIC, 128)
        self.drop = nn.Dropout(0.2)
        # PyTorch's LSTM has no recurrent dropout (Keras's recurrent_dropout=0.2): this baseline skips it.
        self.lstm = nn.LSTM(128, 64, batch_first=True)
        self.score = nn.Linear(64, 1)
        self.out = nn.Linear(64, 1)

    def forward(self, x, ids=None, numeric=None):
        if self.onehot:
            e = self.embed(x)
        else:
            b = numeric.shape[0]
            e = self.bag(ids.view(-1, 1 + COLUMNS)).view(b, STEPS, 128) + self.numeric(numeric)
        h, _ = self.lstm(self.drop(e))
        a = torch.softmax(torch.tanh(self.score(h)).squeeze(-1), dim=1)
        return self.out((h * a.unsqueeze(-1)).sum(1)).squeeze(-1)


def batches(rng, n, size):
    """Fabricated journeys: one-hot [size, 15, WIDTH], ids [size, 15, 8], numeric [size, 15, 4], labels."""
    out = []
    for _ in range(n):
        lengths = rng.integers(1, STEPS + 1, size)
        ids = np.zeros((size, STEPS, 1 + COLUMNS), dtype=np.int64)
        ids[:, :, 0] = rng.integers(0, CAMPAIGNS, (size, STEPS))
        for c in range(COLUMNS):
            ids[:, :, 1 + c] = CAMPAIGNS + c * VALUES + rng.integers(0, VALUES, (size, STEPS))
        numeric = rng.random((size, STEPS, NUMERIC), dtype=np.float32)
        onehot = np.zeros((size, STEPS, WIDTH), dtype=np.float32)
        for b in range(size):
            for t in range(lengths[b]):
                onehot[b, t, ids[b, t]] = 1
                onehot[b, t, WIDTH - NUMERIC:] = numeric[b, t]
        labels = (rng.random(size) < 0.5).astype(np.float32)
        out.append((torch.from_numpy(onehot), torch.from_numpy(ids), torch.from_numpy(numeric), torch.from_numpy(labels)))
    return out


def run(threads, onehot, data, size):
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    model = Attention(onehot)
    opt = torch.optim.RMSprop(model.parameters(), lr=0.001, alpha=0.9, eps=1e-7)
    loss_fn = nn.BCEWithLogitsLoss()

    def step(batch):
        x, ids, numeric, y = batch
        opt.zero_grad()
        loss = loss_fn(model(x, ids, numeric), y)
        loss.backward()
        opt.step()

    for batch in data[:5]:
        step(batch)
    wall, cpu = time.perf_counter(), time.process_time()
    for batch in data:
        step(batch)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    journeys = len(data) * size
    return journeys / wall, journeys / cpu


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=150)
    parser.add_argument("--batch", type=int, default=64)
    args = parser.parse_args()
    data = batches(np.random.default_rng(2024), args.batches, args.batch)
    print(f"PyTorch {torch.__version__}, batch {args.batch}, {args.batches} timed batches, one-hot width {WIDTH}")
    print("| input | threads | journeys/s | journeys/CPU-s |")
    print("|---|---|---|---|")
    for onehot in (True, False):
        for threads in (1, 2):
            per_wall, per_cpu = run(threads, onehot, data, args.batch)
            print(f"| {'one-hot (notebook)' if onehot else 'EmbeddingBag'} | {threads} | {per_wall:,.0f} | {per_cpu:,.0f} |")


if __name__ == "__main__":
    main()
