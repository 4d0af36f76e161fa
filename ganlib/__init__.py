"""GAN-MNIST course library: data, models, training, pictures, metrics and widgets."""

import os as _os

# TensorFlow's C++ start-up chatter (CUDA probing, oneDNN notes) buries the lessons' output.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.1.0"
