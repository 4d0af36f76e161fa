"""Keras's Adam with a fused update: the optimiser ``build_gan`` gives both networks.

Keras's Adam updates each weight tensor with about fifteen small operations; on a CPU, with the course's small
networks, running them one by one costs about a tenth of a training step. ``Adam`` does the same arithmetic in
one TensorFlow kernel (``ResourceApplyAdam``). It reads Keras's optimiser state through private attributes
(``_momentums``, ``_velocities``, ``_get_variable_index``): this module is the one place that does, and when a
Keras release renames them it falls back to Keras's own update, the same arithmetic without the speed-up.
"""

from __future__ import annotations

import keras
import tensorflow as tf

# The private parts of keras.optimizers.Adam the fused update needs (Keras 3).
PRIVATE_STATE = ("_momentums", "_velocities", "_get_variable_index")


class Adam(keras.optimizers.Adam):
    """Keras's Adam, with each variable's update done by one TensorFlow kernel (``ResourceApplyAdam``).

    The same arithmetic and the same state (so the same checkpoints) as ``keras.optimizers.Adam``. AMSGrad,
    and a Keras whose Adam keeps its state under other names (``fused`` is then False), use Keras's own update.
    """

    @property
    def fused(self) -> bool:
        """Whether updates use the fused kernel, once built (False for AMSGrad or an unknown Keras state layout)."""
        return not self.amsgrad and all(hasattr(self, name) for name in PRIVATE_STATE)

    def update_step(self, gradient, variable, learning_rate):
        if not self.fused:
            return super().update_step(gradient, variable, learning_rate)
        dtype = variable.dtype
        step = tf.cast(self.iterations + 1, dtype)  # this update's number, counted from 1 as Keras's Adam counts
        beta_1, beta_2 = tf.cast(self.beta_1, dtype), tf.cast(self.beta_2, dtype)
        index = self._get_variable_index(variable)
        tf.raw_ops.ResourceApplyAdam(
            var=_handle(variable), m=_handle(self._momentums[index]), v=_handle(self._velocities[index]),
            beta1_power=tf.pow(beta_1, step), beta2_power=tf.pow(beta_2, step), lr=tf.cast(learning_rate, dtype),
            beta1=beta_1, beta2=beta_2, epsilon=tf.cast(self.epsilon, dtype), grad=tf.cast(gradient, dtype))


def _handle(variable):
    # Keras passes its optimiser the TensorFlow variables; its own state variables wrap one in ``.value``.
    return variable.handle if hasattr(variable, "handle") else variable.value.handle
