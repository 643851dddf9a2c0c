#!/usr/bin/env python3
"""PyTorch reference for `t2 testbed bench`: the same GPT (pre-LayerNorm with biases, learned positions, GELU(tanh) MLP 4x,
tied embeddings), the same training step (forward, backward, clip 1.0, AdamW) on random tokens, 2 threads.
Needs Debian's python3-torch with libopenblas0-pthread installed (without it torch falls back to a reference BLAS).
Usage: /usr/bin/python3 bench/torch_gpt.py --d-model 64 --layers 2 --heads 4 --ctx 64 --batch 32 --steps 20 [--vocab 512]"""
import argparse, json, time
import torch
import torch.nn as nn
import torch.nn.functional as F

class Block(nn.Module):
    def __init__(s, C, H):
        super().__init__()
        s.ln_1 = nn.LayerNorm(C); s.c_attn = nn.Linear(C, 3 * C); s.c_proj = nn.Linear(C, C); s.H = H
        s.ln_2 = nn.LayerNorm(C); s.c_fc = nn.Linear(C, 4 * C); s.mlp_proj = nn.Linear(4 * C, C)
    def forward(s, x):
        B, T, C = x.shape
        q, k, v = s.c_attn(s.ln_1(x)).split(C, dim=2)
        q = q.view(B, T, s.H, C // s.H).transpose(1, 2); k = k.view(B, T, s.H, C // s.H).transpose(1, 2); v = v.view(B, T, s.H, C // s.H).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) / (C // s.H) ** 0.5
        att = att.masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool), 1), float("-inf")).softmax(-1)
        x = x + s.c_proj((att @ v).transpose(1, 2).contiguous().view(B, T, C))
        return x + s.mlp_proj(F.gelu(s.c_fc(s.ln_2(x)), approximate="tanh"))

class GPT(nn.Module):
    def __init__(s, V, T, C, L, H):
        super().__init__()
        s.wte = nn.Embedding(V, C); s.wpe = nn.Embedding(T, C); s.h = nn.ModuleList([Block(C, H) for _ in range(L)]); s.ln_f = nn.LayerNorm(C)
    def forward(s, idx):
        B, T = idx.shape
        x = s.wte(idx) + s.wpe(torch.arange(T))
        for b in s.h: x = b(x)
        return s.ln_f(x) @ s.wte.weight.t()

if __name__ == "__main__":
    p = argparse.ArgumentParser()
    for a, d in [("--d-model", 64), ("--layers", 2), ("--heads", 4), ("--ctx", 64), ("--batch", 32), ("--steps", 20), ("--vocab", 512), ("--threads", 2)]:
        p.add_argument(a, type=int, default=d)
    a = p.parse_args()
    torch.set_num_threads(a.threads); torch.manual_seed(0)
    m = GPT(a.vocab, a.ctx, a.d_model, a.layers, a.heads)
    opt = torch.optim.AdamW(m.parameters(), lr=1e-3, betas=(0.9, 0.95), weight_decay=0.1)
    elapsed = 0.0
    for step in range(a.steps + 3):
        x = torch.randint(a.vocab, (a.batch, a.ctx)); y = torch.randint(a.vocab, (a.batch, a.ctx))
        t0 = time.perf_counter()
        loss = F.cross_entropy(m(x).view(-1, a.vocab), y.view(-1))
        opt.zero_grad(); loss.backward(); torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0); opt.step()
        if step >= 3: elapsed += time.perf_counter() - t0
    print(json.dumps({"train_tokens_per_s": a.steps * a.batch * a.ctx / elapsed, "params": sum(q.numel() for q in m.parameters()), "torch": torch.__version__}))
