"""The app's endpoints, one router per resource: the page, the model, predictions,
training, the perceptron gates. :func:`digitnet.web.server.create_app` includes them."""
