"""A test-only plugin for the hooks fixture_plugin does not implement: commands, datasets, executors."""

from __future__ import annotations

import click
import numpy as np

from oodnic_platform import Dataset, ImageRef, hookimpl
from oodnic_platform.executor import LocalExecutor


class Gradient(Dataset):
    name = "gradient"

    def images(self):
        ramp = np.tile(np.arange(200, dtype=np.uint8)[None, :, None], (180, 1, 3))
        return [ImageRef("ramp.png", "0" * 64, lambda max_pixels: ramp)]


class Counting(LocalExecutor):
    """Local execution that announces itself: proves a registered executor is the one used."""

    def describe(self):
        return "counting-executor"


@hookimpl
def register_commands(cli):
    @cli.command()
    @click.argument("name")
    def hello(name):
        """Say hello."""
        click.echo(f"hello {name}")


@hookimpl
def register_datasets(register):
    register("gradient", Gradient)


@hookimpl
def register_executors(register):
    register("counting", Counting)
