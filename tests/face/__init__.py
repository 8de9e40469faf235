"""Tests of the face: the clients, their errors, money, inputs, transports and deadlines."""
