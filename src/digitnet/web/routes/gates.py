"""The perceptron playground: one gate's answer, and the NAND half adder gate by gate.

Both use :mod:`digitnet.perceptron` as ``digitnet gates`` does.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from digitnet.perceptron import half_adder
from digitnet.web.deps import JsonBody
from digitnet.web.params import parse_circuit_inputs, parse_gate_request
from digitnet.web.views import circuit_trace, gate_answer

router = APIRouter(prefix="/api")


@router.post("/gates")
async def gates(body: JsonBody) -> JSONResponse:
    gate, bits = parse_gate_request(body)
    return JSONResponse(gate_answer(gate, bits))


@router.post("/half-adder")
async def adder(body: JsonBody) -> JSONResponse:
    circuit = half_adder()
    return JSONResponse(
        circuit_trace(circuit, parse_circuit_inputs(body, circuit, "half adder request"))
    )
