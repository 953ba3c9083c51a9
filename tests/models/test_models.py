"""Models: values worked by hand, parameter groups, contractive terms."""

import math

import numpy as np
import pytest
import torch

from icmt_pipeline.models import (
    MF,
    LightGCN,
    ModelConfig,
    NeuMF,
    PopularityDisentangled,
)
from icmt_pipeline.models.lightgcn import SymmetricSparseMM, normalized_adjacency

# 2 users, 3 items; edges u0-i0, u0-i1, u1-i1; item 2 has no edge.
USERS, ITEMS = np.array([0, 0, 1]), np.array([0, 1, 1])
S2 = 1 / math.sqrt(2)  # 0.707107


def _tiny_lightgcn(n_layers: int = 1) -> LightGCN:
    model = LightGCN(2, 3, USERS, ITEMS, embedding_dim=1, n_layers=n_layers)
    with torch.no_grad():
        model.user_emb.weight.copy_(torch.tensor([[1.0], [2.0]]))
        model.item_emb.weight.copy_(torch.tensor([[3.0], [4.0], [5.0]]))
    return model.eval()


def test_normalized_adjacency_by_hand():
    # Degrees: u0 2, u1 1, i0 1, i1 2, i2 0. A~[u, i] = 1 / sqrt(d_u d_i).
    dense = normalized_adjacency(USERS, ITEMS, 2, 3).to_dense()
    expected = torch.zeros(5, 5)
    for u, i, v in [
        (0, 0, 1 / math.sqrt(2 * 1)),
        (0, 1, 1 / math.sqrt(2 * 2)),
        (1, 1, 1 / math.sqrt(1 * 2)),
    ]:
        expected[u, 2 + i] = expected[2 + i, u] = v
    assert torch.allclose(dense, expected)
    assert dense[4].abs().sum() == 0  # the edgeless item's row is empty


def test_lightgcn_one_layer_by_hand():
    # Layer 1: u0 = S2*3 + 0.5*4 = 4.121320, u1 = S2*4 = 2.828427,
    #          i0 = S2*1 = 0.707107, i1 = 0.5*1 + S2*2 = 1.914214, i2 = 0.
    # Final = mean(layer 0, layer 1).
    users, items = _tiny_lightgcn().encode()
    assert users[:, 0].tolist() == pytest.approx(
        [(1 + 3 * S2 + 2) / 2, (2 + 4 * S2) / 2]
    )
    assert items[:, 0].tolist() == pytest.approx(
        [(3 + S2) / 2, (4 + 0.5 + 2 * S2) / 2, 5 / 2]  # item 2: finite, e0 / (L + 1)
    )
    # Score of (u0, i2) = 2.560660 * 2.5.
    assert float(
        _tiny_lightgcn().score_pairs(users[:1], items[2:]).detach()
    ) == pytest.approx((1 + 3 * S2 + 2) / 2 * 2.5)


def test_lightgcn_user_without_edges_is_finite():
    model = LightGCN(3, 3, USERS, ITEMS, embedding_dim=4, n_layers=3).eval()
    users, items = model.encode()
    assert torch.isfinite(users).all() and torch.isfinite(items).all()
    # No edges: only layer 0 contributes, divided by L + 1 = 4.
    assert torch.allclose(users[2], model.user_emb.weight[2] / 4)


def test_lightgcn_dropout_only_in_training():
    model = LightGCN(
        2, 3, USERS, ITEMS, embedding_dim=8, node_dropout=0.5, message_dropout=0.5
    )
    model.eval()
    assert torch.equal(model.encode()[0], model.encode()[0])
    model.train()
    torch.manual_seed(0)
    draws = [model.encode()[0] for _ in range(5)]
    assert any(not torch.equal(draws[0], d) for d in draws[1:])


def test_symmetric_spmm_gradients_match_dense():
    adj = normalized_adjacency(np.array([0, 1, 2, 2]), np.array([0, 0, 1, 2]), 3, 3)
    dense = adj.to_dense()
    x = torch.randn(6, 4, requires_grad=True)
    out = SymmetricSparseMM.apply(adj, SymmetricSparseMM.apply(adj, x))
    (grad,) = torch.autograd.grad(out[:2].pow(2).sum(), x)
    ref_x = x.detach().clone().requires_grad_(True)
    ref_out = dense @ (dense @ ref_x)
    (expected,) = torch.autograd.grad(ref_out[:2].pow(2).sum(), ref_x)
    assert torch.allclose(grad, expected, atol=1e-6)


def _tiny_neumf() -> NeuMF:
    model = NeuMF(1, 1, embedding_dim=2, mlp_layers=1)
    with torch.no_grad():
        model.user_emb.weight.copy_(torch.tensor([[1.0, 2.0, 0.5, -1.0]]))  # [p | a]
        model.item_emb.weight.copy_(torch.tensor([[3.0, -1.0, 1.0, 2.0]]))  # [q | b]
        model.mlp[0].weight.copy_(torch.tensor([[1.0, 0, 1, 0], [0, 1, 0, -1]]))
        model.mlp[0].bias.zero_()
        model.fuse.weight.copy_(torch.tensor([[0.5, -1.0, 2.0, 1.0]]))  # [h_g | h_m]
        model.fuse.bias.zero_()
    return model


def test_neumf_score_and_contractive_term_by_hand():
    model = _tiny_neumf()
    u, i = model.encode()
    # MLP: W1 [a; b] = [0.5 + 1, -1 - 2] = [1.5, -3] -> relu [1.5, 0].
    # score = h_g . (p (.) q) + h_m . relu = 0.5*3 + (-1)(-2) + 2*1.5 + 0 = 6.5
    assert float(model.score_pairs(u, i).detach()) == pytest.approx(6.5)
    # d score / d q = h_g (.) p = [0.5, -2];
    # d score / d b = W1[:, 2:]^T (relu' (.) h_m) = [[1,0],[0,-1]]^T [2, 0] = [2, 0];
    # ||.||^2 = 0.25 + 4 + 4 + 0 = 8.25
    assert float(model.item_score_grad_sq(u, i).detach()) == pytest.approx(8.25)


def test_neumf_full_scores_match_pairwise_scores_across_chunks():
    torch.manual_seed(0)
    model = NeuMF(5, 7, embedding_dim=8, score_chunk=40)  # forces several chunks
    users, items = model.encode()
    full = model.score_all(users, items)
    pairwise = model.score_pairs(users.repeat_interleave(7, 0), items.repeat(5, 1))
    assert torch.allclose(full, pairwise.reshape(5, 7), atol=1e-5)


def test_mf_contractive_term_is_user_norm():
    model = MF(1, 1, embedding_dim=2)
    assert torch.allclose(
        model.item_score_grad_sq(
            torch.tensor([[1.0, 2.0]]), torch.tensor([[3.0, 0.0]])
        ),
        torch.tensor([5.0]),  # ||v_u||^2 = 1 + 4
    )


@pytest.mark.parametrize("name", ["mf", "neumf", "lightgcn"])
def test_parameter_groups(name):
    from icmt_pipeline.models import build_model

    base = build_model(ModelConfig(name=name, embedding_dim=8), 2, 3, USERS, ITEMS)
    base.check_parameter_split()
    wrapped = PopularityDisentangled(base, use_pd=True)
    item_ids = {id(p) for p in wrapped.item_parameters()}
    assert id(wrapped.v_pop) in item_ids  # v_pop is kept out of the re-weighting
    assert id(base.item_emb.weight) in item_ids
    shared = {id(p) for p in wrapped.shared_parameters()}
    assert id(base.user_emb.weight) in shared
    if name == "neumf":
        assert all(
            id(p) in shared for p in [*base.mlp.parameters(), *base.fuse.parameters()]
        )
    else:
        assert len(shared) == 1  # only the user table
