"""Convolutional networks, the book's chapter 6, from scratch in NumPy.

- :mod:`~digitnet.conv.spec`: the layers of a network as text, ``conv:20x5x5,pool:2,...``;
- :mod:`~digitnet.conv.layers`: each layer's forward and backward pass, the readable
  reference (a test holds it to finite differences);
- :mod:`~digitnet.conv.fast`: the same maths as matrix products (im2col), the fast path;
- :mod:`~digitnet.conv.network`: :class:`~digitnet.conv.network.ConvNetwork`, the layers
  together, with the interface of :class:`~digitnet.network.Network` that training,
  measuring and the model file use;
- :mod:`~digitnet.conv.feature_maps`: what the network sees in one image (each conv-pool
  layer's maps) and its learned filters, for pictures;
- :mod:`~digitnet.conv.backprop` and :mod:`~digitnet.conv.steps` (on the engines' floor):
  one mini-batch's gradients, readable and fast, run by the same trainer as every network.
"""
