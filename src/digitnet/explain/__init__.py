"""How the network learns and why it answers, for one example: the step of backpropagation and
gradient descent laid open, saliency, the smallest change that flips an answer, a few steps on
a learner's own digits, and a map of what the hidden layer sees. Computed by the project's own
backprop (``digitnet.backprop``), the readable reference."""
