#!/usr/bin/env python3
"""Third-party cross-check (issue 4): load a t2 testbed checkpoint (config.json + model.safetensors, parsed here without t2
code) into the equivalent PyTorch module of bench/torch_gpt.py and compare its logits with t2's own forward
(`t2 testbed logits`). Run once by hand; not part of CI.
Usage: /usr/bin/python3 tools/torch_crosscheck.py CHECKPOINT_DIR "text in the testbed vocabulary" """
import json, struct, subprocess, sys, os
import numpy as np
import torch
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "bench"))
from torch_gpt import GPT

ckpt, text = sys.argv[1], sys.argv[2]
cfg = json.load(open(os.path.join(ckpt, "config.json")))["model"]
raw = open(os.path.join(ckpt, "model.safetensors"), "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
header = json.loads(raw[8:8 + n])
tensors = {k: np.frombuffer(raw[8 + n + v["data_offsets"][0]: 8 + n + v["data_offsets"][1]], dtype="<f4").reshape(v["shape"])
           for k, v in header.items() if k != "__metadata__"}
m = GPT(cfg["vocab_size"], cfg["context"], cfg["d_model"], cfg["layers"], cfg["heads"])
rename = {"attn.c_attn": "c_attn", "attn.c_proj": "c_proj", "mlp.c_fc": "c_fc", "mlp.c_proj": "mlp_proj"}
state = {}
for k, v in tensors.items():
    name = k
    for a, b in rename.items(): name = name.replace(a, b)
    if name in ("wte", "wpe"): name += ".weight"
    state[name] = torch.from_numpy(v.copy())
missing = m.load_state_dict(state, strict=True)
t2 = os.environ.get("T2", "dotnet src/T2.Cli/bin/Release/net10.0/t2.dll").split()
out = json.loads(subprocess.check_output(t2 + ["testbed", "logits", "--checkpoint", ckpt, "--text", text]))
tokens = torch.tensor([out["tokens"]])
with torch.no_grad():
    ref = m(tokens)[0].numpy()
ours = np.array(out["logits"], dtype=np.float32)
diff = np.abs(ref - ours).max()
print(json.dumps({"tokens": len(out["tokens"]), "vocab": cfg["vocab_size"], "max_abs_logit_diff": float(diff), "max_abs_logit": float(np.abs(ref).max()), "agree_1e-4": bool(diff < 1e-4)}))
