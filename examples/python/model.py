"""A Python function as an mpisweep experiment (examples/python/sweep.yaml): the Ornstein-Uhlenbeck process
dx = -theta x dt + sigma dW from x = 1, Euler-Maruyama; returns the path's mean and its end point, and the path.

mpisweep calls simulate(rng, **parameters) in a long-lived worker per rank; rng is a NumPy Generator on the task's
own Philox stream (reproducible on any number of ranks and after a resume)."""
import numpy as np


def simulate(rng, theta, sigma, steps, dt):
    x = np.empty(steps)
    noise = rng.standard_normal(steps) * sigma * np.sqrt(dt)
    value = 1.0
    for i in range(steps):
        value += -theta * value * dt + noise[i]
        x[i] = value
    return {"mean": x.mean(), "final": x[-1], "path": x}
