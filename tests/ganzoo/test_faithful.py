"""VanillaGAN's update equals a direct transcription of the reference program, step by step.

GAN training is chaotic, so two implementations cannot agree over a long horizon; what must
agree is each step. Both start from the same weights, see the same real and noise batches,
and every parameter is compared after each of 200 steps, in float64.
"""

import numpy as np
import pytest
import torch
from torch import nn, optim

from evaluation import Gaussian
from ganzoo import VanillaGAN

STEPS = 200
BATCH = 64


class ReferenceGenerator(nn.Module):  # transcribed from the reference program
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(1, 16), nn.ReLU(), nn.Linear(16, 1))

    def forward(self, x):
        return self.net(x)


class ReferenceDiscriminator(nn.Module):  # transcribed from the reference program
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(1, 16), nn.ReLU(), nn.Linear(16, 1), nn.Sigmoid())

    def forward(self, x):
        return self.net(x)


def reference_step(generator, discriminator, g_optimizer, d_optimizer, real, noise_d, noise_g):
    """One iteration of the reference program's inner loop, verbatim apart from the batches."""
    loss_function = nn.BCELoss()
    fake_data = generator(noise_d).detach()
    real_output = discriminator(real)
    fake_output = discriminator(fake_data)
    d_loss = loss_function(real_output, torch.ones(BATCH, 1, dtype=torch.float64)) + loss_function(
        fake_output, torch.zeros(BATCH, 1, dtype=torch.float64)
    )
    d_optimizer.zero_grad()
    d_loss.backward()
    d_optimizer.step()

    fake_data = generator(noise_g)
    fake_output = discriminator(fake_data)
    g_loss = loss_function(fake_output, torch.ones(BATCH, 1, dtype=torch.float64))
    g_optimizer.zero_grad()
    g_loss.backward()
    g_optimizer.step()
    return d_loss.item(), g_loss.item()


@pytest.mark.parametrize("init_seed", [0, 1])
def test_vanilla_gan_matches_reference_loop_at_every_step(init_seed):
    torch_rng = torch.Generator().manual_seed(init_seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(init_seed)
        generator = ReferenceGenerator().double()
        discriminator = ReferenceDiscriminator().double()
    g_optimizer = optim.Adam(generator.parameters(), lr=0.01)
    d_optimizer = optim.Adam(discriminator.parameters(), lr=0.01)

    gan = VanillaGAN(seed=init_seed, dtype=torch.float64)
    trainer = gan.build(Gaussian(4, 1.25))
    trainer.generator.load_member(0, generator.net)
    trainer.discriminator.load_member(0, discriminator.net)

    data_rng = np.random.default_rng(init_seed)
    for step in range(STEPS):
        real = torch.as_tensor(data_rng.normal(4, 1.25, (BATCH, 1)))
        noise_d = torch.randn(BATCH, 1, generator=torch_rng, dtype=torch.float64)
        noise_g = torch.randn(BATCH, 1, generator=torch_rng, dtype=torch.float64)
        d_ref, g_ref = reference_step(generator, discriminator, g_optimizer, d_optimizer, real, noise_d, noise_g)
        d_loss, g_loss = trainer.step(real[None, None], noise_d[None, None], noise_g[None], real.new_empty(1, 1, 0))
        np.testing.assert_allclose([d_loss.item(), g_loss.item()], [d_ref, g_ref], rtol=1e-9, err_msg=f"step {step}")
        for ours, theirs in [(trainer.generator.member(0), generator.net), (trainer.discriminator.member(0), discriminator.net)]:
            for (name, a), b in zip(ours.named_parameters(), theirs.parameters()):
                np.testing.assert_allclose(
                    a.detach().numpy(), b.detach().numpy(), rtol=1e-9, atol=1e-12, err_msg=f"{name} at step {step}"
                )
