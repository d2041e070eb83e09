r"""The order in which the two players update: alternating or simultaneous.

Write one training step as gradient steps on the two players' vector fields
:math:`v_\psi(\theta, \psi)` (the discriminator's) and :math:`v_\theta(\theta, \psi)`
(the generator's), with step sizes :math:`h`:

- ``"alternating"`` (the default; the reference program, Goodfellow et al. 2014,
  Algorithm 1): the discriminator moves first and the generator answers the *updated*
  discriminator, :math:`\psi' = \psi + h\,v_\psi(\theta, \psi)`,
  :math:`\theta' = \theta + h\,v_\theta(\theta, \psi')`;
- ``"simultaneous"``: both gradients are taken at the same point,
  :math:`\psi' = \psi + h\,v_\psi(\theta, \psi)`, :math:`\theta' = \theta + h\,v_\theta(\theta, \psi)`,
  as in the ALI/PacGAN code (one optimizer step over both players' gradients of one
  graph) and in the convergence analyses of Mescheder, Nowozin & Geiger (2017), "The
  Numerics of GANs", NeurIPS, and Mescheder, Geiger & Nowozin (2018), "Which Training
  Methods for GANs do actually Converge?", ICML, Sec. 2.

Simultaneous updates are defined for one discriminator step per generator step
(``n_critic = 1``).
"""

UPDATE_SCHEDULES = ("alternating", "simultaneous")
