"""Framework steps: K = 1 is normal training; ICMT's gradient assembly; CL; IPS."""

import copy

import numpy as np
import pytest
import torch

from icmt_pipeline.models import MF, ModelConfig, PopularityDisentangled, build_model
from icmt_pipeline.training import SplitArrays, TrainConfig, train_model
from icmt_pipeline.training.objectives import (
    ICMTStep,
    IPSStep,
    NormalStep,
    batch_losses,
)


def _data(seed: int = 0, n_users: int = 30, n_items: int = 20) -> SplitArrays:
    rng = np.random.default_rng(seed)
    keys = np.unique(rng.integers(0, n_users * n_items, 300))
    users, items = keys // n_items, keys % n_items
    valid = rng.random(users.size) < 0.15
    counts = np.bincount(items[~valid], minlength=n_items)
    is_head = np.zeros(n_items, bool)
    is_head[np.argsort(-counts, kind="stable")[:4]] = True
    return SplitArrays(
        n_users,
        n_items,
        users[~valid],
        items[~valid],
        users[valid],
        items[valid],
        is_head,
    )


def _batch(data: SplitArrays, size: int = 16):
    return (
        torch.from_numpy(data.train_users[:size]),
        torch.from_numpy(data.train_items[:size]),
        torch.from_numpy((data.train_items[:size] + 7) % data.n_items),
    )


def test_icmt_with_one_cluster_and_no_pd_no_cl_is_normal_training_exactly():
    data = _data()
    cfg_normal = TrainConfig.from_params("normal", {})
    cfg_icmt = TrainConfig.from_params(
        "icmt",
        {
            "icmt": {
                "n_clusters": 1,
                "popularity_disentanglement": False,
                "contractive": False,
            }
        },
    )
    torch.manual_seed(3)
    a = PopularityDisentangled(MF(30, 20, 8), use_pd=False)
    b = copy.deepcopy(a)
    step_a = NormalStep(a, torch.optim.Adam(a.parameters(), lr=0.01), cfg_normal)
    step_b = ICMTStep(
        b,
        torch.optim.Adam(b.parameters(), lr=0.01),
        cfg_icmt,
        data.item_counts,
        ~data.is_head,
    )
    for _ in range(5):
        batch = _batch(data)
        assert step_a(*batch)["loss"] == step_b(*batch)["loss"]
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(pa, pb)


@pytest.mark.parametrize("model_name", ["mf", "neumf", "lightgcn"])
@pytest.mark.parametrize("mode", ["parameters", "representations"])
def test_icmt_step_gives_weighted_gradient_to_shared_and_plain_to_item_params(
    model_name, mode
):
    data = _data()
    cfg = TrainConfig.from_params(
        "icmt", {"l2": 1e-3, "icmt": {"pe_gradients": mode, "lambda_pop": 0.5}}
    )
    torch.manual_seed(0)
    base = build_model(
        ModelConfig(
            name=model_name, embedding_dim=8, node_dropout=0.0, message_dropout=0.0
        ),
        30,
        20,
        data.train_users,
        data.train_items,
    )
    model = PopularityDisentangled(base, use_pd=True, lambda_pop=0.5)
    reference = copy.deepcopy(model)
    step = ICMTStep(
        model,
        torch.optim.SGD(model.parameters(), lr=0.0),
        cfg,
        data.item_counts,
        ~data.is_head,
    )
    step.n_steps = 1  # no re-clustering: use the labels below
    step.labels = torch.arange(20) % 2  # even items cluster 0, odd items cluster 1
    users, pos, neg = _batch(data)
    stats = step(users, pos, neg)
    w = torch.tensor([stats["w0"], stats["w1"]])
    assert float(w.sum()) == pytest.approx(2.0)  # both clusters present: sum to K' = 2

    # The same objectives by hand on an untouched copy.
    losses = batch_losses(reference, users, pos, neg, cfg.l2, cfg.icmt.lambda_cl)
    labels = step.labels[pos]
    cluster = torch.stack([losses.pos[labels == k].sum() for k in range(2)]) / 16
    weighted = (w * cluster).sum() + losses.rest()
    plain = cluster.sum() + losses.rest()
    shared_grads = torch.autograd.grad(
        weighted, reference.shared_parameters(), retain_graph=True
    )
    item_grads = torch.autograd.grad(plain, reference.item_parameters())
    for p, g in zip(model.shared_parameters(), shared_grads, strict=True):
        assert torch.allclose(p.grad, g, atol=1e-6)
    for p, g in zip(model.item_parameters(), item_grads, strict=True):
        assert torch.allclose(p.grad, g, atol=1e-6)


def test_mgda_ub_weights_equal_exact_weights_for_mf():
    # For MF the shared parameters are the user rows themselves, so gradients
    # w.r.t. the batch's user representations, summed per user, are exact.
    data = _data()
    weights = []
    for mode in ("parameters", "representations"):
        cfg = TrainConfig.from_params("icmt", {"icmt": {"pe_gradients": mode}})
        torch.manual_seed(0)
        model = PopularityDisentangled(MF(30, 20, 8), use_pd=True)
        step = ICMTStep(
            model,
            torch.optim.SGD(model.parameters(), lr=0.0),
            cfg,
            data.item_counts,
            ~data.is_head,
        )
        step.n_steps, step.labels = 1, torch.arange(20) % 2
        stats = step(*_batch(data))
        weights.append((stats["w0"], stats["w1"]))
    assert weights[0] == pytest.approx(weights[1], rel=1e-5)


def test_contractive_term_for_mf_by_hand():
    # One pair: v_u = (1, 2), v_i = (3, 0), v_pop = (0, 1), lambda_pop = 0.5.
    # CL = ||v_u||^2 + lambda_pop^2 ||v_i||^2 = 5 + 0.25 * 9 = 7.25 (l2 = 0).
    base = MF(1, 2, embedding_dim=2)
    model = PopularityDisentangled(base, use_pd=True, lambda_pop=0.5)
    with torch.no_grad():
        base.user_emb.weight.copy_(torch.tensor([[1.0, 2.0]]))
        base.item_emb.weight.copy_(torch.tensor([[3.0, 0.0], [0.0, 0.0]]))
        model.v_pop.copy_(torch.tensor([0.0, 1.0]))
    losses = batch_losses(
        model,
        torch.tensor([0]),
        torch.tensor([0]),
        torch.tensor([1]),
        l2=0.0,
        lambda_cl=1.0,
    )
    assert float(losses.regulariser.detach()) == pytest.approx(7.25)


def test_ips_weights_average_one_over_training_pairs():
    # Counts (3, 1, 0): inverse (1/3, 1, 0); 4 pairs over 2 items with pairs, so
    # weights = inverse * 4 / 2 = (2/3, 2, 0); mean over pairs (3*2/3 + 2) / 4 = 1.
    model = PopularityDisentangled(MF(1, 3, 2), use_pd=False)
    step = IPSStep(
        model,
        torch.optim.SGD(model.parameters(), lr=0.1),
        TrainConfig.from_params("ips", {}),
        np.array([3, 1, 0]),
    )
    assert step.weights.tolist() == pytest.approx([2 / 3, 2.0, 0.0])
    clipped = IPSStep(
        model,
        torch.optim.SGD(model.parameters(), lr=0.1),
        TrainConfig.from_params("ips", {"ips": {"max_weight": 1.5}}),
        np.array([3, 1, 0]),
    )
    assert clipped.weights.tolist() == pytest.approx([2 / 3, 1.5, 0.0])


@pytest.mark.parametrize("framework", ["normal", "icmt"])
def test_same_seed_same_run(framework):
    data = _data(seed=1)
    params = {
        "max_epochs": 3,
        "batch_size": 32,
        "eval_every": 5,
        "eval_cutoff": 5,
        "progress_bar": False,
    }
    runs = [
        train_model(
            ModelConfig(name="lightgcn", embedding_dim=8),
            TrainConfig.from_params(framework, params),
            data,
        )
        for _ in range(2)
    ]
    assert runs[0].history == [
        {
            **row,
            "eval_seconds": runs[0].history[i]["eval_seconds"],
            "elapsed_seconds": runs[0].history[i]["elapsed_seconds"],
        }
        for i, row in enumerate(runs[1].history)
    ]
    for key, value in runs[0].model.state_dict().items():
        assert torch.equal(value, runs[1].model.state_dict()[key]), key


def test_too_few_validations_for_early_stopping_are_warned(caplog) -> None:
    # ~255 training pairs / batch 64 = 4 batches per epoch; 2 epochs = 8
    # batches; eval_every 5 validates at batches 5 and 8 only: 2 < 3 times.
    params = {
        "max_epochs": 2,
        "batch_size": 64,
        "eval_every": 5,
        "eval_cutoff": 5,
        "progress_bar": False,
    }
    with caplog.at_level("WARNING", logger="icmt_pipeline.training.trainer"):
        result = train_model(
            ModelConfig(name="mf", embedding_dim=4),
            TrainConfig.from_params("normal", params),
            _data(),
        )
    assert [row["step"] for row in result.history] == [5.0, 8.0]
    assert "Validation runs only 2 time(s) in a budget of 8 batches" in caplog.text
    assert "lower train.eval_every, e.g. to 4 (one epoch)" in caplog.text
