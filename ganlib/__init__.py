"""GAN-MNIST course library: data, models, training, pictures, metrics and widgets."""

import os as _os

# TensorFlow's C++ start-up chatter (CUDA probing, oneDNN notes) buries the lessons' output.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.1.0"


def setup(seed: int = 42):
    """A notebook's Setup cell: check versions, fix the seeds, say whether a GPU is there, and return the
    folder figures are saved to (``figures/``, or ``build/figures-quick/`` in quick mode)."""
    import keras
    import tensorflow as tf

    from .config import quick_mode
    from .viz import figures_dir

    if not keras.__version__.startswith("3."):
        raise RuntimeError(f"This course needs Keras 3, found {keras.__version__}: pip install -r requirements.txt")
    keras.utils.set_random_seed(seed)
    gpus = tf.config.list_physical_devices("GPU")
    print(f"TensorFlow {tf.__version__} · Keras {keras.__version__} · ganlib {__version__} · seed {seed}")
    print(f"GPU: {len(gpus)} found" if gpus else "GPU: none (fine: every chapter runs on a laptop CPU)")
    mode = "QUICK mode (GANLIB_QUICK=1): small data, few epochs" if quick_mode() else "full course settings"
    print(f"{mode} · figures go to {figures_dir()}")
    return figures_dir()
