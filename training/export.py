"""Exports the trained networks to ONNX (opset 17, dynamic batch/H/W, sigmoid inside the graph),
writes the model cards (internal/models/<name>.card.json, per the seg contract), the ORT-vs-PyTorch
fixtures (internal/models/testdata/<name>.fixture.json) and the state dicts bench_torch.py rebuilds the
models from (training/weights/<name>.pt).

    /usr/bin/python3 training/export.py
"""
import hashlib
import json
import os

import numpy as np
import onnx
import torch

from common import HERE, MODELS, WORK, UNet, n_params, seed_all

DATA = "ao-cunefare-2017-train (Cunefare et al. 2017, Sci. Rep. 7:6620; Garrioch et al. 2012), the shared AOSLO training portion"


def export_onnx(model, path):
    model.eval()
    x = torch.zeros(1, 1, 64, 64)
    name_out = os.path.basename(path).split(".")[0]
    out_name = "vessel" if name_out == "capillaries" else "heatmap"
    torch.onnx.export(model, x, path, opset_version=17, input_names=["image"], output_names=[out_name],
                      dynamic_axes={"image": {0: "batch", 2: "height", 3: "width"},
                                    out_name: {0: "batch", 2: "height", 3: "width"}},
                      do_constant_folding=True)
    onnx.checker.check_model(onnx.load(path))
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def fixture(model, path):
    g = torch.Generator().manual_seed(20261205)
    x = torch.randn(1, 1, 64, 64, generator=g)
    with torch.no_grad():
        y = model(x)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump({"input": {"shape": list(x.shape), "data": [float(v) for v in x.flatten()]},
                   "output": {"shape": list(y.shape), "data": [float(v) for v in y.flatten()]}}, f)


def load(ckpt):
    ck = torch.load(ckpt)
    m = UNet(**ck["meta"]["arch"], sigmoid=True)
    m.load_state_dict(ck["state"])
    m.eval()
    return m, ck


def common_card(name, task, modality, sha, out_name, kind):
    return {"name": name, "version": "1.0.0", "task": task, "modality": modality, "format": "onnx", "opset": 17,
            "sha256": sha,
            "input": {"name": "image", "layout": "NCHW", "channels": 1, "multiple": 8},
            "output": {"name": out_name, "kind": kind},
            "normalisation": {"method": "zscore"}}


def main():
    seed_all(1)
    os.makedirs(os.path.join(HERE, "weights"), exist_ok=True)
    os.makedirs(os.path.join(MODELS, "testdata"), exist_ok=True)
    for mod in ["confocal", "split"]:
        name = f"cones-{mod}"
        ck_path = os.path.join(WORK, name + ".pt")
        if not os.path.exists(ck_path):
            print("skip", name)
            continue
        model, ck = load(ck_path)
        meta = ck["meta"]
        with open(os.path.join(WORK, name + ".eval.json")) as f:
            ev = json.load(f)
        onnx_path = os.path.join(MODELS, name + ".onnx")
        sha = export_onnx(model, onnx_path)
        torch.save({"state": ck["state"], "arch": meta["arch"]}, os.path.join(HERE, "weights", name + ".pt"))
        fixture(model, os.path.join(MODELS, "testdata", name + ".fixture.json"))
        v = ev["validation"]
        card = common_card(name, "cones", mod, sha, "heatmap", "heatmap")
        card["postprocess"] = ev["postprocess"]
        card["training"] = {
            "data": DATA + (f", plus {meta['n_phantoms']} cone phantoms (imaging.PhantomCones) drawn with probability {meta['phantom_p']}" if meta["n_phantoms"] else ""),
            "split": {"train_subjects": meta["train_subjects"], "validation_subjects": meta["validation_subjects"],
                      "rule": "subjects sorted, shuffled with random.Random(seed), the first 2 validate"},
            "seed": meta["seed"], "epochs": round(meta["steps"] * meta["batch"] * meta["crop"] ** 2 /
                                                  sum_train_px(meta), 1),
            "steps": meta["steps"], "batch": meta["batch"], "crop_px": meta["crop"],
            "parameters": n_params(model), "architecture": "U-Net, 3 poolings, channels 8-16-32-64, BatchNorm, nearest upsampling",
            "target": "Gaussian blobs at the manual marks, sigma = clip(0.18 x median nearest-neighbour distance, 1, 3) px; BCE",
            "augmentation": "the 8 flips/rotations, contrast x exp(N(0,0.15)), offset N(0,0.15), Gaussian noise (p=0.3)",
            "train_seconds": round(meta["seconds"]), "threads": meta["threads"],
            "postprocess_tuned_on": "training subjects only (grid over threshold x min_distance_rel_spacing, mean Dice)",
        }
        card["metrics"] = {"validation": {
            "protocol": "imaging.ScoreDetections (Cunefare et al. 2017): match radius 0.75 x median NN distance, 7 px border; mean over images; CI: bootstrap over images (2000)",
            "dice": v["dice"], "sensitivity": v["sensitivity"], "fdr": v["fdr"], "n_images": v["n_images"],
            "tta": "mean of the 8 flips/rotations",
            "uncertainty": {
                "definition": "1 - mean over the 8 flips/rotations of each augmented heat map's maximum within max(1.5, min_distance/2) px of the mark (soft TTA agreement, inference.Model.Cones)",
                "auroc_false_vs_true": ev["uncertainty"]["validation"]["soft"]["auroc"],
                "top10_error_rate": ev["uncertainty"]["validation"]["soft"]["top10_error_rate"],
                "median_decile_error_rate": ev["uncertainty"]["validation"]["soft"]["median_decile_error_rate"],
                "n_marks": ev["uncertainty"]["n_marks"], "n_false": ev["uncertainty"]["n_false"],
                "hard_vote_auroc": ev["uncertainty"]["validation"]["hard"]["auroc"]}}}
        card["intended_use"] = (f"Cone photoreceptor centre detection in {'confocal' if mod == 'confocal' else 'non-confocal split-detector'} "
                                "AOSLO / AO-OCT en-face images of the parafoveal and perifoveal mosaic (about 0.4-0.5 um/px), "
                                "as the default segment step of aomas; research use, not diagnosis.")
        card["limits"] = [
            f"validated on {len(meta['validation_subjects'])} held-out subjects ({v['n_images']} images) of one public data set; other devices, samplings or pathology are untested",
            "trained on " + ("150x150 px crops 0.39-0.47 um/px" if mod == "confocal" else "190-242 px images 0.45-0.52 um/px, 100-800 cones each") + "; far other samplings need resampling first",
            "rods are not marked in the training data, so rod-rich peripheral images may under-count or mark rods",
            "the 7 px image border is not scored; marks there are less reliable",
        ]
        write_card(name, card)
    ck_path = os.path.join(WORK, "capillaries.pt")
    if os.path.exists(ck_path):
        model, ck = load(ck_path)
        meta = ck["meta"]
        sha = export_onnx(model, os.path.join(MODELS, "capillaries.onnx"))
        torch.save({"state": ck["state"], "arch": meta["arch"]}, os.path.join(HERE, "weights", "capillaries.pt"))
        fixture(model, os.path.join(MODELS, "testdata", "capillaries.fixture.json"))
        with open(os.path.join(WORK, "capillaries.eval.json")) as f:
            ev = json.load(f)
        card = common_card("capillaries", "capillaries", "any", sha, "vessel", "probability")
        card["postprocess"] = {"threshold": 0.5}
        card["training"] = {
            "data": f"{meta['n_train_phantoms']} capillary phantoms (imaging.PhantomCapillaries, 128x128, SNR 3-20, diameters 2-11 px, PSF sigma 0.5-1.2 px) written by internal/trainprep",
            "split": {"train_subjects": [], "validation_subjects": [], "rule": "held-back phantoms: 24 of 256x256 with seeds never trained on"},
            "seed": meta["seed"], "epochs": round(meta["steps"] * meta["batch"] * meta["crop"] ** 2 / (meta["n_train_phantoms"] * 128 * 128), 1),
            "steps": meta["steps"], "batch": meta["batch"], "crop_px": meta["crop"], "parameters": n_params(model),
            "target": "tube mask: pixels within each segment's radius of its centre-line; BCE",
            "augmentation": "the 8 flips/rotations, contrast, offset",
            "train_seconds": round(meta["seconds"]), "threads": meta["threads"],
        }
        card["metrics"] = {"validation": {
            "protocol": "held-back phantoms: centre-line F1 with 2 px tolerance (skeleton of prob >= threshold vs truth centre-lines), median |diameter error| in px at single-vessel skeleton pixels (network: imaging.VesselsFromMask, probability integrated across the vessel); CI: bootstrap over images",
            "centreline_f1": {"value": ev["network"]["f1"], "ci95": ev["network"]["f1_ci95"]},
            "precision": ev["network"]["precision"], "recall": ev["network"]["recall"],
            "median_diameter_error_px": ev["network"]["median_diameter_error_px"],
            "n_images": ev["network"]["n_images"],
            "classical_detectvessels": ev["classical"]}}
        card["intended_use"] = "Capillary (vessel) probability in AO-OCT / AOSLO en-face angiography-like images with bright vessels; research use."
        card["limits"] = ["trained and validated on synthetic phantoms only: no real capillary images with manual truth were available",
                          "bright vessels on a darker background; dark vessels need the image inverted",
                          "diameters 2-11 px; thinner or much wider vessels are outside the training range"]
        write_card("capillaries", card)


_train_px = {}


def sum_train_px(meta):
    from common import load_index
    items = [it for it in load_index("real/index.json") if it["modality"] == meta["modality"] and it["subject"] in meta["train_subjects"]]
    return sum(it["w"] * it["h"] for it in items)


def write_card(name, card):
    with open(os.path.join(MODELS, name + ".card.json"), "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    print("wrote", name, card["sha256"])


if __name__ == "__main__":
    main()
