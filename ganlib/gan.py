"""The GAN as a ``keras.Model``: both networks, both optimisers and the training step that ``fit`` runs."""

from __future__ import annotations

import keras
import tensorflow as tf

from . import losses
from .config import CODE, LABELS, GANConfig
from .models import build_models, conditioning_of, outputs_logits
from .optim import Adam


class GAN(keras.Model):
    """Generator and discriminator trained together; ``fit(dataset_of_real_images)`` trains both.

    One step: draw noise (batch, latent_dim), run the generator once, score real and fake images with the
    discriminator, and update each network with its own optimiser from the same forward pass.

    Conditional networks (see ``models.build_generator``) are fed ``(images, labels)`` batches, labels int
    (batch,); the fakes of a step are drawn for the same labels as the real batch, so both halves of what the
    discriminator sees have the data's class balance.

    With a latent code (InfoGAN) each fake is also drawn from a uniformly random code, and both networks add
    ``code_weight`` × the cross-entropy of the discriminator's code head on the fakes: the generator learns to
    make the code visible in the image, the discriminator to read it. The logged ``d_loss`` and ``g_loss`` are
    the adversarial losses alone; ``code_loss`` is logged beside them.
    """

    def __init__(self, generator, discriminator, latent_dim: int, ema: float = 0.0, seed: int = 0,
                 code_weight: float = GANConfig.code_weight, loss: str = GANConfig.loss,
                 gp_weight: float = GANConfig.gp_weight, r1_weight: float = GANConfig.r1_weight,
                 alternating: bool = False, d_steps: int = 1, **kwargs):
        super().__init__(**kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = int(latent_dim)
        self.ema = float(ema)
        self.noise_seed = int(seed)
        # What both networks are told besides the noise: nothing, labels or a latent code (config.Conditioning).
        self.conditioning = conditioning_of(generator)
        self.code_weight = float(code_weight)
        self.loss, self.gp_weight, self.r1_weight = loss, float(gp_weight), float(r1_weight)
        # Goodfellow et al.'s Algorithm 1 instead of the one-pass step (see _alternating_step).
        self.alternating, self.d_steps = bool(alternating), int(d_steps)
        # A sigmoid discriminator gives probabilities, one built with logits=True raw scores (models.py).
        self.from_logits = outputs_logits(discriminator)
        if loss != "bce" and not self.from_logits:
            raise ValueError(f"loss={loss!r} needs a discriminator that outputs raw scores: build it with "
                             "logits=True (build_gan does, from the config).")
        # The step counter decides the noise, so a resumed run draws exactly the noise it would have drawn.
        self.step = keras.Variable(0, dtype="int64", trainable=False, name="step")
        self.ema_generator = None
        if self.ema:
            self.ema_generator = keras.models.clone_model(generator)
            self.ema_generator.set_weights(generator.get_weights())
        names = ("d_loss", "g_loss", "real_score", "fake_score", "d_grad_norm", "g_grad_norm") + (
            ("code_loss",) if self._has_code else ()) + (("penalty",) if self._has_penalty else ())
        self.trackers = {name: keras.metrics.Mean(name=name) for name in names}

    @property
    def sampler(self) -> keras.Model:
        """The generator to draw samples from: the moving average of the weights when ``ema`` > 0."""
        return self.ema_generator if self.ema_generator is not None else self.generator

    @property
    def metrics(self):
        return list(self.trackers.values())

    def compile(self, g_optimizer, d_optimizer, label_smoothing: float = 0.0, **kwargs):
        """One optimiser per network; ``label_smoothing`` lowers the discriminator's target for real images."""
        super().compile(**kwargs)
        self.g_optimizer = g_optimizer
        self.d_optimizer = d_optimizer
        self.label_smoothing = float(label_smoothing)

    def build(self, input_shape=None):
        self.g_optimizer.build(self.generator.trainable_variables)
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.built = True

    def call(self, inputs, training=False):
        return self.generator(inputs, training=training)

    def train_step(self, data):
        """One update of both networks from a batch of real images (batch, 28, 28, 1) in [-1, 1]
        (and, for a conditional GAN, their int labels (batch,)). Returns the running means of the losses, of
        the discriminator's scores and of both networks' gradient norms."""
        real, labels = data if isinstance(data, (tuple, list)) else (data, None)
        logs = self._alternating_step(real, labels) if self.alternating else self._one_pass_step(real, labels)
        self.step.assign_add(1)
        self._update_ema()
        return self._log(**logs)

    def _one_pass_step(self, real, labels):
        """The course's step: one forward pass, and both networks updated from it, on the same fakes."""
        g_inputs, condition, code = self.sample_inputs(tf.shape(real)[0], labels)
        # Why one tape per network: each loss must only move its own network's weights.
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            fake = self.generator(g_inputs, training=True)
            s_real, _ = self.discriminate(real, condition)
            s_fake, code_logits = self.discriminate(fake, condition)
            # The losses (config.loss) are in losses.py; by default the discriminator's cross-entropy with
            # one-sided label smoothing (real = 0.9) and the generator's non-saturating -log D(G(z)).
            d_loss = losses.discriminator_loss(self.loss, s_real, s_fake, self.from_logits, self.label_smoothing)
            g_loss = losses.generator_loss(self.loss, s_fake, self.from_logits)
            code_loss = self._code_loss(code, code_logits)
            penalty = self._penalties(real, fake, condition)
            d_total = d_loss + penalty + self.code_weight * code_loss
            g_total = g_loss + self.code_weight * code_loss
        d_grad_norm = self._apply(self.d_optimizer, d_tape, d_total, self.discriminator)
        g_grad_norm = self._apply(self.g_optimizer, g_tape, g_total, self.generator)
        return dict(d_loss=d_loss, g_loss=g_loss, real_score=self._mean_probability(s_real),
                    fake_score=self._mean_probability(s_fake), code_loss=code_loss, penalty=penalty,
                    d_grad_norm=d_grad_norm, g_grad_norm=g_grad_norm)

    def _alternating_step(self, real, labels):
        """Goodfellow et al.'s Algorithm 1 (and WGAN-GP's critic loop): ``d_steps`` discriminator updates on the
        same real batch, each on fresh noise seeded by the discriminator's update count, then one generator
        update on fresh noise (seed offset 3), through the discriminator just updated. The logs are the last
        discriminator update's and the generator update's."""
        batch = tf.shape(real)[0]
        for _ in range(self.d_steps):
            count = self.d_optimizer.iterations.value
            g_inputs, condition, code = self.sample_inputs(batch, labels, counter=count)
            with tf.GradientTape() as d_tape:
                fake = self.generator(g_inputs, training=True)
                s_real, _ = self.discriminate(real, condition)
                s_fake, code_logits = self.discriminate(fake, condition)
                d_loss = losses.discriminator_loss(self.loss, s_real, s_fake, self.from_logits, self.label_smoothing)
                penalty = self._penalties(real, fake, condition, count)
                d_total = d_loss + penalty + self.code_weight * self._code_loss(code, code_logits)
            d_grad_norm = self._apply(self.d_optimizer, d_tape, d_total, self.discriminator)
        scores = dict(real_score=self._mean_probability(s_real), fake_score=self._mean_probability(s_fake))
        g_inputs, condition, code = self.sample_inputs(batch, labels, offset=3)
        with tf.GradientTape() as g_tape:
            s_fake, code_logits = self.discriminate(self.generator(g_inputs, training=True), condition)
            g_loss = losses.generator_loss(self.loss, s_fake, self.from_logits)
            code_loss = self._code_loss(code, code_logits)
            g_total = g_loss + self.code_weight * code_loss
        g_grad_norm = self._apply(self.g_optimizer, g_tape, g_total, self.generator)
        return dict(d_loss=d_loss, g_loss=g_loss, code_loss=code_loss, penalty=penalty, d_grad_norm=d_grad_norm,
                    g_grad_norm=g_grad_norm, **scores)

    # ---- what is not the algorithm: inputs per kind of conditioning, the EMA, replicas, logging

    def sample_noise(self, batch, offset: int = 0, counter=None):
        """The noise float32 (batch, latent_dim) of the current step: seeded by (seed + offset, step), or by
        ``counter`` instead of the step, so a resumed run draws exactly the noise an uninterrupted one would."""
        return self._replica_slice(batch, lambda n: tf.random.stateless_normal(
            (n, self.latent_dim), seed=self._step_seed(offset, counter)))

    def _step_seed(self, offset: int, counter=None):
        counter = self.step.value if counter is None else tf.cast(counter, tf.int64)
        return tf.stack([tf.constant(self.noise_seed + offset, tf.int64), counter])

    def _replica_slice(self, batch, draw):
        # Under tf.distribute, draw for the whole global batch and keep this replica's rows: replicas then get
        # different noise, and together exactly the noise one device would draw for the global batch.
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        if replicas == 1:
            return draw(batch)
        replica = tf.distribute.get_replica_context().replica_id_in_sync_group
        return draw(batch * replicas)[replica * batch:(replica + 1) * batch]

    def sample_inputs(self, batch, labels=None, offset: int = 0, counter=None):
        """What one step feeds the networks: ``(generator inputs, discriminator condition, code)``.

        Unconditional: the noise, None, None. Conditional: ``[noise, one-hot labels]``, the same one-hot
        labels, None. With a latent code: ``[noise, one-hot code]``, None, the int codes (batch,). The noise is
        seeded by (seed + offset, step), the code by (seed + offset + 1, step); ``counter`` replaces the step.
        """
        noise = self.sample_noise(batch, offset, counter)
        kind, size = self.conditioning.kind, self.conditioning.size
        if kind == LABELS:
            if labels is None:
                raise ValueError("a conditional GAN trains on (images, labels) batches; give train() the labels y.")
            one_hot = self.conditioning.one_hot_tensor(labels)
            return [noise, one_hot], one_hot, None
        if kind == CODE:
            code = self._replica_slice(batch, lambda n: tf.random.stateless_uniform(
                (n,), minval=0, maxval=size, dtype=tf.int32, seed=self._step_seed(offset + 1, counter)))
            return [noise, self.conditioning.one_hot_tensor(code)], None, code
        return noise, None, None

    def discriminate(self, images, condition=None):
        """The discriminator in training mode: ``(probability real (batch, 1), code logits (batch, codes) or
        None)``; ``condition`` is a conditional GAN's one-hot labels, left out for a discriminator that takes
        images only (``label_input="none"``)."""
        sees_labels = condition is not None and len(self.discriminator.inputs) > 1
        out = self.discriminator([images, condition] if sees_labels else images, training=True)
        return tuple(out) if self._has_code else (out, None)

    @property
    def _has_code(self) -> bool:
        return self.conditioning.kind == CODE

    @property
    def _has_penalty(self) -> bool:
        # Logged as "penalty" (what the penalties add to the discriminator's loss) when one is on.
        return bool((self.loss == "wgan-gp" and self.gp_weight) or self.r1_weight)

    def _mean_probability(self, scores):
        # What the discriminator's scores say about "real", as a probability (for raw scores, their sigmoid).
        return tf.reduce_mean(tf.sigmoid(scores) if self.from_logits else scores)

    def _penalties(self, real, fake, condition, counter=None):
        """The discriminator's gradient penalties: WGAN-GP's (loss "wgan-gp") and R1 (``r1_weight`` > 0)."""
        def critic(images):
            return self.discriminate(images, condition)[0]

        penalty = tf.constant(0.0)
        if self.loss == "wgan-gp" and self.gp_weight:
            # Each replica takes its slice of one draw of mixing weights, as for the noise.
            alpha = self._replica_slice(tf.shape(real)[0], lambda n: tf.random.stateless_uniform(
                (n, 1, 1, 1), seed=self._step_seed(2, counter)))
            penalty += self.gp_weight * losses.gradient_penalty(critic, real, tf.stop_gradient(fake), alpha=alpha)
        if self.r1_weight:
            penalty += 0.5 * self.r1_weight * losses.r1_penalty(critic, real)
        return penalty

    def _code_loss(self, code, code_logits):
        if code is None:
            return tf.constant(0.0)
        return tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(code, code_logits, from_logits=True))

    def _apply(self, optimizer, tape, loss, network):
        # Under tf.distribute each replica sees batch / replicas images and the optimiser *sums* the replicas'
        # gradients, so each replica's gradient of its mean loss is divided by the replica count: the update is
        # then the same as one device's on the whole global batch.
        grads = tape.gradient(loss, network.trainable_variables)
        norm = tf.linalg.global_norm(grads)  # of this replica's mean loss: the gradient one device would see
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        if replicas > 1:
            grads = [g / replicas for g in grads]
        optimizer.apply(grads, network.trainable_variables)
        return norm

    def _update_ema(self):
        if self.ema_generator is None:
            return
        # Warm-up: a short average early on, so the EMA generator is useful within the first epoch.
        t = tf.cast(self.step.value, tf.float32)
        decay = tf.minimum(self.ema, (1.0 + t) / (10.0 + t))
        for avg, w in zip(self.ema_generator.weights, self.generator.weights):
            avg.assign(decay * avg + (1.0 - decay) * w)

    def _log(self, **values):
        for name, tracker in self.trackers.items():
            tracker.update_state(values[name])
        results = {name: t.result() for name, t in self.trackers.items()}
        if isinstance(tf.distribute.get_strategy(), tf.distribute.MultiWorkerMirroredStrategy):
            # Keras averages step outputs across workers along axis 0, which scalars lack (Keras 3.15).
            results = {name: tf.reshape(v, [1]) for name, v in results.items()}
        return results


def build_gan(config: GANConfig, adam=Adam) -> GAN:
    """A compiled, built GAN from a config (fresh weights, seeded by ``config.seed``).

    Args:
        config: a ``GANConfig``.
        adam: the optimiser class of both networks: ``optim.Adam``, or ``keras.optimizers.Adam`` for Keras's
            own (unfused) update of the same arithmetic.

    Returns:
        GAN: compiled and built, seeded by ``config.seed``.
    """
    keras.utils.set_random_seed(config.seed)
    generator, discriminator = build_models(config)
    gan = GAN(generator, discriminator, config.latent_dim, ema=config.ema, seed=config.seed,
              code_weight=config.code_weight, loss=config.loss, gp_weight=config.gp_weight, r1_weight=config.r1_weight,
              alternating=config.alternating, d_steps=config.d_steps)
    gan.compile(
        g_optimizer=adam(config.g_lr, beta_1=config.beta_1, beta_2=config.beta_2),
        d_optimizer=adam(config.d_lr, beta_1=config.beta_1, beta_2=config.beta_2),
        label_smoothing=config.label_smoothing,
        jit_compile=config.jit_compile,
    )
    gan.build()
    return gan


# ------------------------------------------------------------------------------ your own GAN in train()

def class_name(gan) -> str:
    """What a run records of the model class it trains: ``module.Class`` (``__main__.TextbookGAN`` for a class
    written in a notebook).

    Args:
        gan: a GAN model, or its class.

    Returns:
        str: the class's module and name.
    """
    cls = gan if isinstance(gan, type) else type(gan)
    return f"{cls.__module__}.{cls.__qualname__}"


def adopt(gan: keras.Model, config: GANConfig) -> keras.Model:
    """Check that ``gan`` keeps the contract ``train`` needs of a GAN model (``docs/api.md``, "Your own GAN"),
    and build its optimisers' state, so that a checkpoint can be loaded into it before its first step.

    The contract: a compiled ``keras.Model`` with a ``train_step``, a ``generator`` and a ``discriminator``
    (Keras models), and one optimiser per network, ``g_optimizer`` and ``d_optimizer``. Its generator is the
    one ``config`` describes (same layers and shapes), so that ``runs.load_generator`` can rebuild it from the
    run's ``config.json``.

    Args:
        gan: the model to train.
        config: the run's ``GANConfig``.

    Returns:
        keras.Model: ``gan``, its optimisers built.
    """
    missing = [name for name in ("generator", "discriminator", "g_optimizer", "d_optimizer")
               if getattr(gan, name, None) is None]
    if not isinstance(gan, keras.Model) or missing:
        raise TypeError(f"train(gan=...) needs a compiled keras.Model with a generator, a discriminator, "
                        f"g_optimizer and d_optimizer; {type(gan).__name__} lacks {', '.join(missing) or 'keras.Model'}"
                        " (see docs/api.md, 'Your own GAN').")
    from .models import build_generator_for

    expected = [tuple(w.shape) for w in build_generator_for(config).weights]
    if [tuple(w.shape) for w in gan.generator.weights] != expected:
        raise ValueError(f"{type(gan).__name__}'s generator is not the one the config describes (a run folder "
                         "rebuilds it from config.json): build its networks with ganlib.models.build_models(config).")
    for optimizer, network in ((gan.g_optimizer, gan.generator), (gan.d_optimizer, gan.discriminator)):
        if not optimizer.built:
            optimizer.build(network.trainable_variables)
    gan.built = True  # its layers are the two networks, built already
    return gan
