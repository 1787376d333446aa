"""Drives `arca-api mcp` with the official Python MCP SDK's stdio client, for the Rust tests
(tests/integration/mcp.rs).

    client.py ARCA_BIN [SERVER ARGS...] < steps.json > results.json

It starts the server as a subprocess (the SDK's stdio transport: newline-delimited JSON-RPC),
initializes a session, runs each step, and prints one JSON object: the initialize result and,
per step, its result or the protocol error the SDK raised. The environment it is started with
(ARCA_API_URL, ARCA_API_KEY) is passed to the server. It asserts nothing: the Rust tests do.

Steps: {"op": "list_tools"}, {"op": "list_resources"}, {"op": "read_resource", "uri": ...},
{"op": "call_tool", "name": ..., "arguments": {...}}.
"""

import json
import os
import sys

import anyio
from mcp import ClientSession, MCPError, StdioServerParameters
from mcp.client.stdio import stdio_client


def dump(model):
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


async def step(session, spec):
    op = spec["op"]
    try:
        if op == "list_tools":
            return {"result": dump(await session.list_tools())}
        if op == "list_resources":
            return {"result": dump(await session.list_resources())}
        if op == "read_resource":
            return {"result": dump(await session.read_resource(spec["uri"]))}
        if op == "call_tool":
            return {"result": dump(await session.call_tool(spec["name"], spec.get("arguments", {})))}
        return {"client_error": f"unknown step {op}"}
    except MCPError as error:
        return {"protocol_error": dump(error.error)}


async def main():
    steps = json.load(sys.stdin)
    server = StdioServerParameters(
        command=sys.argv[1],
        args=["mcp", *sys.argv[2:]],
        env={name: value for name, value in os.environ.items()},
    )
    async with stdio_client(server) as (read, write):
        async with ClientSession(read, write, read_timeout_seconds=60) as session:
            initialized = await session.initialize()
            results = [await step(session, spec) for spec in steps]
    json.dump({"initialize": dump(initialized), "steps": results}, sys.stdout)


anyio.run(main)
