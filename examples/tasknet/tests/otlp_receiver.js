// SPDX-License-Identifier: Apache-2.0
// otlp_receiver.js - a tiny OTLP/HTTP receiver on 127.0.0.1 for tests: records every request, answers 200.
'use strict';

const http = require('http');

function startReceiver() {
  const requests = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      requests.push({
        method: req.method,
        url: req.url,
        contentType: req.headers['content-type'] || '',
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{}'); // an ExportTraceServiceResponse without partialSuccess
    });
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () =>
      resolve({ port: server.address().port, requests, close: () => new Promise((r) => server.close(r)) }));
  });
}

module.exports = { startReceiver };
