// The page's one WebSocket to the generation server (docs/streaming.md),
// shared by the task page and the compare page:
//
//   const socket = LoraSocket.open({
//     path: "/ws/generate/",
//     status: element,       // [data-testid=ws-status]: gets data-state and a label
//     onMessage(msg),        // each server frame, parsed
//     onSent(message),       // a message queued while disconnected has gone out
//     onLost(),              // the socket closed: streams on it will not continue
//   });
//   socket.send(message)     // true: sent now; false: queued until the socket opens
//   socket.stop(stream)      // Stop one stream {sent, clientRef, generationId}: false when
//                            // it never left the browser (dropped: the caller ends it)
"use strict";

(function () {
  const RECONNECT_MIN_MS = 500;
  const RECONNECT_MAX_MS = 15000;

  function open(options) {
    const status = options.status;
    let socket = null;
    let reconnectDelay = RECONNECT_MIN_MS;
    let reconnectTimer = null;
    let leavingPage = false;
    /** Messages written while the socket was not open; flushed on open. */
    const outbox = [];

    function socketUrl() {
      const scheme = window.location.protocol === "https:" ? "wss" : "ws";
      return scheme + "://" + window.location.host + (options.path || "/ws/generate/");
    }

    function setState(state) {
      status.dataset.state = state;
      status.querySelector(".ws-label").textContent = state === "connected" ? "connected" : "disconnected";
      status.title = state === "connecting" ? "Connecting to the generation server…" :
        state === "connected" ? "Connected to the generation server" : "Not connected; retrying";
    }

    function connect() {
      clearTimeout(reconnectTimer);
      setState("connecting");
      let ws;
      try {
        ws = new WebSocket(socketUrl());
      } catch (err) {
        console.error("WebSocket could not be created", err);
        scheduleReconnect();
        return;
      }
      socket = ws;
      ws.addEventListener("open", () => {
        if (socket !== ws) return;
        reconnectDelay = RECONNECT_MIN_MS;
        setState("connected");
        flush();
      });
      ws.addEventListener("message", (event) => {
        if (socket === ws) receive(event.data);
      });
      ws.addEventListener("close", () => {
        if (socket !== ws) return;
        socket = null;
        setState("disconnected");
        options.onLost();
        if (!leavingPage) scheduleReconnect();
      });
      // "error" is always followed by "close", which does the bookkeeping.
    }

    // Exponential backoff with jitter so many tabs do not reconnect in lockstep
    // after a server restart.
    function scheduleReconnect() {
      const jitter = 0.8 + Math.random() * 0.4;
      reconnectTimer = setTimeout(connect, Math.round(reconnectDelay * jitter));
      reconnectDelay = Math.min(reconnectDelay * 2, RECONNECT_MAX_MS);
    }

    function receive(raw) {
      let msg;
      try {
        msg = JSON.parse(raw);
      } catch (err) {
        console.warn("Ignoring a non-JSON message from the server", raw);
        return;
      }
      if (msg && typeof msg === "object") options.onMessage(msg);
    }

    function send(message) {
      if (socket && socket.readyState === WebSocket.OPEN) {
        socket.send(JSON.stringify(message));
        return true;
      }
      outbox.push(message);
      return false;
    }

    function flush() {
      while (outbox.length && socket && socket.readyState === WebSocket.OPEN) {
        const message = outbox.shift();
        socket.send(JSON.stringify(message));
        if (options.onSent) options.onSent(message);
      }
    }

    function unqueue(test) {
      for (let i = outbox.length - 1; i >= 0; i--) {
        if (test(outbox[i])) outbox.splice(i, 1);
      }
    }

    /** Stop a stream. A generate still in the outbox is dropped (false: the caller ends it
     * at once); a sent one gets a cancel now, or from the caller's "started" handler when
     * its generation id is not known yet (true: wait for its last frame). */
    function stop(stream) {
      if (!stream.sent) {
        unqueue((m) => m.client_ref === stream.clientRef);
        return false;
      }
      if (stream.generationId) send({ type: "cancel", generation_id: stream.generationId });
      return true;
    }

    window.addEventListener("pagehide", () => { leavingPage = true; });
    window.addEventListener("pageshow", (event) => {
      // Back/forward cache restores a page whose socket was closed.
      if (event.persisted) {
        leavingPage = false;
        if (!socket) connect();
      }
    });

    connect();
    return Object.freeze({ send, stop });
  }

  window.LoraSocket = Object.freeze({ open });
})();
