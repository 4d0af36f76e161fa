"""GAN-MNIST course library: data, models, training, pictures, metrics and widgets."""

import os as _os

# TensorFlow's C++ start-up chatter (CUDA probing, oneDNN notes) buries the lessons' output.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.1.0"

# What the chapters use, by the module that owns it. ``import ganlib`` stays light (no TensorFlow until a
# name is used): each name is imported from its module on first access.
_OWNERS = {
    "checks": ["same_network", "same_values", "same_weights", "copy_dropout_state"],
    "config": ["GANConfig", "Conditioning", "quick_mode"],
    "data": ["load_mnist", "load_fashion_mnist", "FASHION_CLASSES", "to_model_range", "to_uint8", "check_images",
             "training_set", "held_out_set", "training_images", "make_dataset", "load_images"],
    "failures": ["FAILURES", "FIXES", "lab_changes", "lab_config", "run_lab", "lab_report", "plot_lab"],
    "fixes_table": ["TABLE"],
    "files": ["project_root", "course_result"],
    "losses": ["discriminator_loss", "generator_loss", "gradient_penalty", "r1_penalty"],
    "models": ["build_generator", "build_discriminator", "build_models", "conditioning_of", "latent_size",
               "outputs_logits"],
    "gan": ["GAN", "build_gan"],
    "sampling": ["generate", "generator_inputs", "fixed_noise", "balanced_labels"],
    "callbacks": ["StepLog"],
    "training": ["train"],
    "runs": ["runs_dir", "figures_dir", "run_folder", "load_generator", "load_config", "RunState",
             "load_frames", "save_run_gif"],
    "metrics": ["FIDCallback", "evaluate", "format_table", "judge_outputs", "frechet_distance", "classifier_score",
                "confusion_matrix", "nearest_train_distance", "fid_by_sample_count",
                "per_class_scores", "judge_scores"],
    "dirac": ["dirac_trajectory", "plot_dirac"],
    "toy": ["ring_of_gaussians", "modes_covered", "train_toy", "draw_toy", "save_toy_gif"],
    "viz": ["plot_samples", "plot_losses", "plot_seed_bars", "plot_per_digit", "plot_cell_table", "plot_confusion",
            "image_grid", "save_png", "save_gif"],
    "widgets": ["latent_explorer", "interpolation_explorer", "training_panel", "failure_lab"],
}
_OWNER_OF = {name: module for module, names in _OWNERS.items() for name in names}
__all__ = ["setup", *_OWNER_OF]


def __getattr__(name):
    if name not in _OWNER_OF:
        raise AttributeError(f"module 'ganlib' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{_OWNER_OF[name]}", __name__), name)
    globals()[name] = value
    return value


def setup(seed: int = 42):
    """A notebook's Setup cell: check versions, fix the seeds, say whether a GPU is there, and return the
    folder figures are saved to (``figures/``, or ``build/figures-quick/`` in quick mode). On a CPU it also
    sizes TensorFlow's thread pools for the GAN's small operations (``ganlib.runtime.cpu_threads``).

    Args:
        seed: the seed for Python, NumPy and TensorFlow (and Keras's layers).

    Returns:
        Path: the folder the chapter saves its figures to.
    """
    from .runtime import start_tensorflow

    gpus = start_tensorflow()  # TensorFlow's harmless start-up messages stay out of the notebook
    import keras
    import tensorflow as tf

    from .config import quick_mode
    from .files import project_root
    from .runs import figures_dir

    if not keras.__version__.startswith("3."):
        raise RuntimeError(f"This course needs Keras 3, found {keras.__version__}: pip install -r requirements.txt")
    keras.utils.set_random_seed(seed)
    print(f"TensorFlow {tf.__version__} · Keras {keras.__version__} · ganlib {__version__} · seed {seed}")
    print(f"device: {len(gpus)} GPU{'s' if len(gpus) > 1 else ''}" if gpus else
          "device: the CPU (no GPU found; every chapter runs on a laptop CPU)")
    mode = "QUICK mode (GANLIB_QUICK=1): small data, few epochs" if quick_mode() else "full course settings"
    # Relative to the course folder: the same line on every machine (and on the site built from it).
    folder = figures_dir()
    shown = folder.relative_to(project_root()) if folder.is_relative_to(project_root()) else folder
    print(f"{mode} · figures go to {shown}/ in the course folder")
    return figures_dir()
