"""Export the shipped generators for the site's explorers, which run them in the browser (``make site``).

Keras's own ONNX export (``model.export(format="onnx")``, tf2onnx underneath) writes each shipped generator
(``ganlib/assets/pretrained`` and ``pretrained-conditional``) to ``build/site-models/<name>.onnx``; onnxruntime
then runs the file on 64 random inputs and the result must match Keras's to 1e-4 before it is kept. A manifest,
``models.json``, records each model's inputs, size, checksum and measured difference, and for the unconditional
generator which digit each value of its latent code draws (the judge's verdict on 200 samples per code), so the
page's digit picker can ask for a digit.

    python site/export.py    # in the export environment (.venv-export, built by make site)

The export environment borrows the course's pinned TensorFlow and Keras (the versions that trained the
generators) and adds the converter and the runtime pinned in site/export-requirements.txt.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "build" / "site-models"
MODELS = ("pretrained", "pretrained-conditional")
TOLERANCE = 1e-4  # largest difference from Keras allowed, in the generator's [-1, 1] output units


def code_digits(generator, per_code: int = 200) -> list[int]:
    """Which digit each value of the latent code draws: the judge's most frequent verdict on its samples."""
    import numpy as np

    from ganlib.metrics import judge_outputs
    from ganlib.sampling import generate

    size = generator.inputs[1].shape[-1]
    codes = np.repeat(np.arange(size), per_code)
    verdicts = judge_outputs(generate(generator, len(codes), seed=0, labels=codes))[1].argmax(1)
    return [int(np.bincount(verdicts[codes == k], minlength=10).argmax()) for k in range(size)]


def export(name: str) -> dict:
    """Export one shipped generator to ONNX, check it against Keras, and describe it."""
    import keras
    import numpy as np
    import onnxruntime

    from ganlib.models import conditioning_of
    from ganlib.runs import load_generator

    generator = load_generator(name)
    shapes = [(t.name, int(t.shape[-1])) for t in generator.inputs]
    rng = np.random.default_rng(0)
    inputs = [rng.standard_normal((64, size)).astype("float32") for _, size in shapes]
    expected = keras.ops.convert_to_numpy(generator(inputs, training=False))  # also builds the traced call
    path = OUT / f"{name}.onnx"
    generator.export(str(path), format="onnx", verbose=False)
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    feeds = {i.name: x for i, x in zip(session.get_inputs(), inputs)}
    got = session.run(None, feeds)[0]
    difference = float(np.abs(got - expected).max())
    if not difference <= TOLERANCE:
        raise SystemExit(f"{path}: onnxruntime differs from Keras by {difference:.2e} (more than {TOLERANCE}): "
                         "the export is not kept.")
    kind = conditioning_of(generator).kind
    record = {"file": path.name, "bytes": path.stat().st_size,
              "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
              "inputs": [{"name": i.name, "size": size} for i, (_, size) in zip(session.get_inputs(), shapes)],
              "output": session.get_outputs()[0].name, "conditioning": kind,
              "max_difference_from_keras": difference}
    if kind == "code":
        record["code_digits"] = code_digits(generator)
    return record


def main() -> int:
    import keras
    import onnxruntime
    import tf2onnx

    OUT.mkdir(parents=True, exist_ok=True)
    manifest = {"keras": keras.__version__, "tf2onnx": tf2onnx.__version__, "onnxruntime": onnxruntime.__version__,
                "models": {}}
    for name in MODELS:
        manifest["models"][name] = export(name)
        record = manifest["models"][name]
        print(f"{name}: {record['bytes'] / 1e6:.1f} MB, largest difference from Keras "
              f"{record['max_difference_from_keras']:.1e}")
    (OUT / "models.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"wrote {OUT / 'models.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
