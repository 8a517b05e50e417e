// An independent WebSocket echo server for the client's interop test: Node's
// ws library (Debian: node-ws), which shares no code with ours. It prints
// the port it listens on.
// Usage: NODE_PATH=/usr/share/nodejs node node_server.js plain|deflate [CERT KEY]
// With "deflate" it accepts permessage-deflate; with CERT and KEY it speaks wss://.
const fs = require('fs');
const https = require('https');
const { WebSocketServer } = require('ws');

const [mode, cert, key] = process.argv.slice(2);
const options = { perMessageDeflate: mode === 'deflate', maxPayload: 0 };
let wss;
if (cert) {
  const server = https.createServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(key) });
  wss = new WebSocketServer({ server, ...options });
  server.listen(0, '127.0.0.1', () => console.log(server.address().port));
} else {
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0, ...options });
  wss.on('listening', () => console.log(wss.address().port));
}
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
});
