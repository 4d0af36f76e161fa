"""A GAN written as chapter 4 writes it, outside ganlib: what ``train(config, run, gan=...)`` must accept.

Imported by the tests, and by the subprocess that a test kills mid-run (so the class is the same in both).
"""
import keras
import tensorflow as tf


class TextbookGAN(keras.Model):
    """Generator and discriminator trained with the textbook step; losses logged as epoch means."""

    real_target = 1.0  # the discriminator's target for real images (0.9: one-sided label smoothing)

    def __init__(self, generator, discriminator, latent_dim, seed=0, seeded_noise=True):
        super().__init__()
        self.generator, self.discriminator = generator, discriminator
        self.latent_dim, self.seed, self.seeded_noise = latent_dim, seed, seeded_noise
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    def compile(self, g_optimizer, d_optimizer):
        super().compile()
        self.g_optimizer, self.d_optimizer = g_optimizer, d_optimizer

    def sample_noise(self, batch_size):
        if not self.seeded_noise:
            return tf.random.normal((batch_size, self.latent_dim))
        step = self.g_optimizer.iterations  # saved in the checkpoint: a resumed run draws the same noise
        return tf.random.stateless_normal((batch_size, self.latent_dim), seed=(self.seed, step.value))

    def train_step(self, real):
        noise = self.sample_noise(tf.shape(real)[0])
        bce = keras.losses.binary_crossentropy
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            fake = self.generator(noise, training=True)
            p_real = self.discriminator(real, training=True)
            p_fake = self.discriminator(fake, training=True)
            d_loss = tf.reduce_mean(bce(tf.fill(tf.shape(p_real), self.real_target), p_real)
                                    + bce(tf.zeros_like(p_fake), p_fake))
            g_loss = tf.reduce_mean(bce(tf.ones_like(p_fake), p_fake))
        d_grads = d_tape.gradient(d_loss, self.discriminator.trainable_variables)
        g_grads = g_tape.gradient(g_loss, self.generator.trainable_variables)
        self.d_optimizer.apply(d_grads, self.discriminator.trainable_variables)
        self.g_optimizer.apply(g_grads, self.generator.trainable_variables)
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {m.name: m.result() for m in self.metrics}


def textbook_gan(config, seeded_noise=True, real_target=1.0):
    """A compiled ``TextbookGAN`` with the networks ``config`` describes, seeded by ``config.seed``."""
    from ganlib.models import build_models

    keras.utils.set_random_seed(config.seed)
    generator, discriminator = build_models(config)
    gan = TextbookGAN(generator, discriminator, config.latent_dim, seed=config.seed, seeded_noise=seeded_noise)
    gan.real_target = real_target
    gan.compile(keras.optimizers.Adam(config.g_lr, beta_1=config.beta_1),
                keras.optimizers.Adam(config.d_lr, beta_1=config.beta_1))
    return gan
