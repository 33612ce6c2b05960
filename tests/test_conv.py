"""Convolution, pooling and flattening nodes: against central differences and torch."""

import numpy as np
import pytest

from skmtl.nn import _autograd as ag
from skmtl.nn._autograd import Tensor
from skmtl.nn._conv import conv2d, flatten, max_pool2d, reshape

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # the comparisons with torch are skipped
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed (pip install torch)")
# torch warns that an even kernel with padding='same' costs it a padded copy.
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel:UserWarning")

N, H, W = 2, 7, 9  # odd image sides, so 'same' padding and floor pooling both show

# (C_in, C_out, kernel, padding, groups, activation): odd, even and mixed
# kernels, both paddings, one and two groups, every activation.
CONVS = [
    (2, 3, (3, 3), "valid", 1, "identity"),
    (3, 2, (3, 3), "same", 1, "relu"),
    (2, 3, (2, 2), "same", 1, "relu"),
    (4, 4, (3, 3), "same", 2, "relu"),
    (2, 4, (4, 3), "same", 2, "tanh"),
    (4, 2, (2, 3), "valid", 2, "logistic"),
    (4, 6, (4, 4), "valid", 2, "relu"),
    (2, 2, (1, 1), "valid", 2, "relu"),
]
POOLS = [2, (2, 3), 3, (1, 2)]


def _conv_case(case):
    c_in, c_out, (kh, kw), padding, groups, activation = case
    rng = np.random.RandomState(c_in * 100 + c_out * 10 + kh + kw)
    arrays = [rng.randn(N, c_in, H, W), rng.randn(c_out, c_in // groups, kh, kw), rng.randn(c_out)]

    def f(x, w, b):
        return conv2d(x, w, b, padding=padding, groups=groups, activation=activation)

    def torch_f(x, w, b):
        act = {"identity": lambda z: z, "relu": torch.relu, "tanh": torch.tanh, "logistic": torch.sigmoid}
        return act[activation](F.conv2d(x, w, b, padding=padding, groups=groups))

    return f, torch_f, arrays


def _check_central_differences(f, arrays, rtol=1e-6, atol=1e-8):
    """The engine's gradient of ``sum(coef * f(arrays))`` against central differences."""
    tensors = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    out = f(*tensors)
    coef = np.random.RandomState(out.data.size).randn(*out.shape)  # every output matters
    out.backward(coef)
    eps = 1e-6
    for k, array in enumerate(arrays):
        numeric = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            for sign in (1, -1):
                moved = [a.copy() for a in arrays]
                moved[k][index] += sign * eps
                numeric[index] += sign * np.vdot(coef, f(*map(Tensor, moved)).data) / (2 * eps)
        np.testing.assert_allclose(tensors[k].grad, numeric, rtol=rtol, atol=atol, err_msg=f"input {k}")


def _check_against_torch(f, torch_f, arrays, rtol, atol, exact=False):
    """Outputs and the gradients of every input, seeded alike, in the arrays' dtype."""
    tensors = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    out = f(*tensors)
    seed = np.asarray(np.random.RandomState(1).randn(*out.shape), out.data.dtype)
    out.backward(seed)
    reference = [torch.tensor(a, requires_grad=True) for a in arrays]
    torch_out = torch_f(*reference)
    torch_out.backward(torch.tensor(seed))
    check = np.testing.assert_array_equal if exact else _allclose(rtol, atol)
    check(out.data, torch_out.detach().numpy(), err_msg="output")
    assert out.data.dtype == arrays[0].dtype
    for k, (mine, theirs) in enumerate(zip(tensors, reference)):
        assert mine.grad.dtype == arrays[k].dtype
        check(mine.grad, theirs.grad.numpy(), err_msg=f"gradient of input {k}")


def _allclose(rtol, atol):
    def check(actual, desired, err_msg):
        np.testing.assert_allclose(actual, desired, rtol=rtol, atol=atol, err_msg=err_msg)

    return check


def _pool_input(seed, shape=(N, 3, H, W)):
    # Distinct values, at least 1e-3 apart: no ties for finite differences to cross.
    values = np.random.RandomState(seed).permutation(np.prod(shape)) * 1e-3
    return values.reshape(shape) - values.mean()


# ---------------------------------------------------------------- conv2d


@pytest.mark.parametrize("case", CONVS, ids=str)
def test_conv2d_gradients_match_central_differences(case):
    f, _, arrays = _conv_case(case)
    _check_central_differences(f, arrays)


@needs_torch
@pytest.mark.parametrize("case", CONVS, ids=str)
def test_conv2d_matches_torch_in_float64(case):
    f, torch_f, arrays = _conv_case(case)
    _check_against_torch(f, torch_f, arrays, rtol=1e-10, atol=1e-10)


@needs_torch
@pytest.mark.parametrize("case", CONVS, ids=str)
def test_conv2d_matches_torch_in_float32_and_stays_float32(case):
    f, torch_f, arrays = _conv_case(case)
    _check_against_torch(f, torch_f, [a.astype(np.float32) for a in arrays], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kernel", [(2, 2), (3, 4), (4, 3), (5, 5)])
def test_same_padding_keeps_the_image_size(kernel):
    x = Tensor(np.ones((1, 2, H, W)))
    w = Tensor(np.ones((3, 2) + kernel))
    assert conv2d(x, w, Tensor(np.zeros(3)), padding="same").shape == (1, 3, H, W)


def test_even_kernel_same_padding_puts_the_extra_row_and_column_after():
    # A kernel with its single 1 at (0, 0) reads the padded image at the
    # output's own position: a 4x2 kernel pads 1 row above (2 below) and no
    # column on the left (1 on the right), as torch and Keras do.
    x = np.zeros((1, 1, 5, 6))
    x[0, 0, 0, 0] = 1.0
    w = np.zeros((1, 1, 4, 2))
    w[0, 0, 0, 0] = 1.0
    out = conv2d(Tensor(x), Tensor(w), Tensor(np.zeros(1)), padding="same").data
    assert out.shape == (1, 1, 5, 6)
    assert np.argwhere(out[0, 0]).tolist() == [[1, 0]]


def test_conv2d_computes_only_the_gradients_that_are_required():
    f, _, arrays = _conv_case(CONVS[3])
    full = [Tensor(a, requires_grad=True) for a in arrays]
    f(*full).sum().backward()
    for frozen in range(3):
        tensors = [Tensor(a, requires_grad=k != frozen) for k, a in enumerate(arrays)]
        f(*tensors).sum().backward()
        for k, (tensor, reference) in enumerate(zip(tensors, full)):
            if k == frozen:
                assert tensor.grad is None
            else:
                np.testing.assert_allclose(tensor.grad, reference.grad, rtol=1e-12)


def test_conv2d_without_any_gradient_builds_no_graph():
    x, w, b = (Tensor(a) for a in _conv_case(CONVS[0])[2])
    out = conv2d(x, w, b)
    assert not out.requires_grad and out._backward is None


@pytest.mark.parametrize(
    "kwargs, shape, message",
    [
        ({"padding": "full"}, (4, 2, 3, 3), "padding"),
        ({"groups": 2}, (4, 2, 3, 3), "groups"),  # 2 groups of 1 channel need (4, 1, 3, 3)
        ({"groups": 3}, (3, 1, 3, 3), "groups"),  # 2 input channels do not split in 3
        ({}, (4, 2, 8, 3), "does not fit"),
    ],
)
def test_conv2d_rejects_bad_arguments(kwargs, shape, message):
    x = Tensor(np.ones((1, 2, H, W)))
    with pytest.raises(ValueError, match=message):
        conv2d(x, Tensor(np.ones(shape)), Tensor(np.zeros(shape[0])), **kwargs)


# ------------------------------------------------------------ max_pool2d


@pytest.mark.parametrize("pool", POOLS, ids=str)
def test_max_pool2d_gradient_matches_central_differences(pool):
    _check_central_differences(lambda x: max_pool2d(x, pool), [_pool_input(0)])


@needs_torch
@pytest.mark.parametrize("pool", POOLS, ids=str)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_max_pool2d_matches_torch(pool, dtype):
    x = np.random.RandomState(2).randn(N, 3, H, W).astype(dtype)
    _check_against_torch(lambda a: max_pool2d(a, pool), lambda a: F.max_pool2d(a, pool), [x], 0, 0, exact=True)


# Ties: equal values everywhere, small integers, relu's zeros; and NaN.
TIES = {
    "all_equal": np.full((N, 3, H, W), 0.5),
    "integers": np.random.RandomState(3).randint(0, 3, (N, 3, H, W)).astype(float),
    "relu_zeros": np.maximum(np.random.RandomState(4).randn(N, 3, H, W) - 1.0, 0.0),
    "nans": np.where(np.random.RandomState(5).rand(N, 3, H, W) < 0.3, np.nan, 1.0),
}


@needs_torch
@pytest.mark.parametrize("pool", POOLS, ids=str)
@pytest.mark.parametrize("name", sorted(TIES))
def test_max_pool2d_sends_tied_gradients_where_torch_does(name, pool):
    # The first maximum of a window in row-major order gets its gradient;
    # with NaN, the output is NaN and the last NaN gets it.
    _check_against_torch(
        lambda a: max_pool2d(a, pool), lambda a: F.max_pool2d(a, pool), [TIES[name]], 0, 0, exact=True
    )


def test_max_pool2d_gives_a_tied_window_gradient_to_its_first_maximum():
    x = Tensor(np.array([[[[1.0, 3.0, 3.0], [3.0, 2.0, 0.0], [7.0, 7.0, 7.0]]]]), requires_grad=True)
    out = max_pool2d(x, (2, 3))  # one window; the last row does not fill one
    out.backward(np.array([[[[2.0]]]]))
    np.testing.assert_array_equal(out.data, [[[[3.0]]]])
    np.testing.assert_array_equal(x.grad[0, 0], [[0, 2, 0], [0, 0, 0], [0, 0, 0]])


def test_max_pool2d_keeps_float32():
    x = Tensor(np.random.RandomState(0).randn(2, 3, 6, 6).astype(np.float32), requires_grad=True)
    out = max_pool2d(x, 2)
    out.backward(np.ones(out.shape, np.float32))
    assert out.data.dtype == np.float32 and x.grad.dtype == np.float32


def test_max_pool2d_rejects_a_pool_larger_than_the_image():
    with pytest.raises(ValueError, match="does not fit"):
        max_pool2d(Tensor(np.ones((1, 1, 3, 3))), 4)


# --------------------------------------------------------------- flatten


def test_flatten_and_reshape_gradients_match_central_differences():
    _check_central_differences(flatten, [np.random.RandomState(6).randn(2, 3, 2, 3)])
    _check_central_differences(lambda a: reshape(a, (3, -1, 2)), [np.random.RandomState(7).randn(2, 3, 2, 3)])


@needs_torch
def test_flatten_matches_torch():
    x = np.random.RandomState(8).randn(N, 3, 4, 5)
    _check_against_torch(flatten, lambda a: torch.flatten(a, 1), [x], 0, 0, exact=True)


# --------------------------------------------------------------- network


@needs_torch
def test_a_two_input_convolutional_network_matches_torch():
    # The founding network in small: two one-channel images side by side,
    # each through its own convolution (groups=2) and pooling, then a dense
    # softmax layer; the loss and every gradient as in torch.
    rng = np.random.RandomState(9)
    target = np.array([0, 2, 1])
    arrays = [rng.randn(3, 2, 8, 9), rng.randn(6, 1, 3, 3), rng.randn(6), rng.randn(6 * 4 * 4, 3), rng.randn(3)]

    def ours(x, w, b, dense_w, dense_b):
        z = max_pool2d(conv2d(x, w, b, padding="same", groups=2, activation="relu"), 2)
        return ag.softmax_cross_entropy(ag.linear(flatten(z), dense_w, dense_b), target)

    def theirs(x, w, b, dense_w, dense_b):
        z = F.max_pool2d(torch.relu(F.conv2d(x, w, b, padding="same", groups=2)), 2)
        return F.cross_entropy(torch.flatten(z, 1) @ dense_w + dense_b, torch.tensor(target), reduction="sum")

    _check_against_torch(ours, theirs, arrays, rtol=1e-10, atol=1e-12)
