"use strict";
exports.id = 77;
exports.ids = [77];
exports.modules = {

/***/ 3077:
/***/ (function(__unused_webpack_module, exports, __webpack_require__) {


var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.HttpClient = exports.undici = void 0;
// The HTTP libraries pip-audit's action loads once pip-audit has started (deferred.ts): a chunk of
// the bundle of its own, imported dynamically.
exports.undici = __importStar(__webpack_require__(4371));
var http_1 = __webpack_require__(6311);
Object.defineProperty(exports, "HttpClient", ({ enumerable: true, get: function () { return http_1.HttpClient; } }));


/***/ }),

/***/ 2203:
/***/ (function(__unused_webpack_module, exports, __webpack_require__) {


var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.HttpClient = void 0;
exports.headerValue = headerValue;
exports.headerValues = headerValues;
const net = __importStar(__webpack_require__(7030));
const tls = __importStar(__webpack_require__(1692));
const undici_1 = __webpack_require__(4371);
const http_errors_1 = __webpack_require__(9283);
const http_resolve_1 = __webpack_require__(6894);
const retry_1 = __webpack_require__(3533);
function headerValue(headers, name) {
    const v = headers[name.toLowerCase()];
    return Array.isArray(v) ? v.join(', ') : v;
}
function headerValues(headers, name) {
    const v = headers[name.toLowerCase()];
    if (v === undefined)
        return [];
    return Array.isArray(v) ? v : [v];
}
function defaultPort(protocol) {
    return protocol === 'https:' ? 443 : 80;
}
const DEFAULTS = {
    connectTimeoutMs: 10_000,
    headersTimeoutMs: 30_000,
    bodyTimeoutMs: 30_000,
    maxBodyBytes: 5 << 20,
};
class HttpClient {
    agent;
    options;
    constructor(options = {}) {
        this.options = { ...DEFAULTS, ...options };
        const rules = options.resolve ?? [];
        const base = (0, undici_1.buildConnector)({
            timeout: this.options.connectTimeoutMs,
            // One secure context for every connection: with a bare `ca` option, Node
            // would parse the PEM and build a trust store per connection.
            ...(options.ca ? { secureContext: tls.createSecureContext({ ca: options.ca }) } : {}),
            rejectUnauthorized: true,
        });
        // Pinning happens at connect time so the URL, the Host header and the TLS
        // server name keep the real host name; only the TCP address changes.
        // The TLS server name is always the URL's host: undici would otherwise take
        // it from a Host header, and a check that sends a foreign Host (ALLOWED_HOSTS)
        // must still verify the certificate of the site it is talking to.
        const connect = (opts, callback) => {
            const port = Number(opts.port) || defaultPort(opts.protocol);
            const address = (0, http_resolve_1.pinnedAddress)(rules, opts.hostname, port);
            const servername = net.isIP(opts.hostname) === 0 ? opts.hostname : undefined;
            return base({ ...opts, hostname: address ?? opts.hostname, servername }, callback);
        };
        this.agent = new undici_1.Agent({
            connect,
            headersTimeout: this.options.headersTimeoutMs,
            bodyTimeout: this.options.bodyTimeoutMs,
            connections: 128,
        });
    }
    get dispatcher() {
        return this.agent;
    }
    /** One request; network failures throw HttpError, any HTTP status is a response. */
    async request(req) {
        const started = performance.now();
        const cap = req.maxBodyBytes ?? this.options.maxBodyBytes;
        try {
            const res = await (0, undici_1.request)(req.url, {
                dispatcher: this.agent,
                method: (req.method ?? 'GET').toUpperCase(),
                headers: req.headers,
                body: req.body,
                signal: req.signal,
                ...(req.reset ? { reset: true } : {}),
            });
            const chunks = [];
            let size = 0;
            let truncated = false;
            for await (const chunk of res.body) {
                const buf = chunk;
                if (size + buf.length > cap) {
                    chunks.push(buf.subarray(0, cap - size));
                    size = cap;
                    truncated = true;
                    // Stop downloading: destroying the body closes this connection.
                    res.body.destroy();
                    break;
                }
                chunks.push(buf);
                size += buf.length;
            }
            return {
                url: req.url,
                status: res.statusCode,
                headers: res.headers,
                body: Buffer.concat(chunks, size),
                truncated,
                durationMs: Math.round(performance.now() - started),
            };
        }
        catch (error) {
            if (error instanceof http_errors_1.HttpError)
                throw error;
            throw (0, http_errors_1.describeHttpError)(error, req.url);
        }
    }
    /**
     * Retry with backoff until `accept` says yes or the deadline passes. Each
     * attempt is bounded by what is left of the deadline, so a host that never
     * answers cannot make this hang.
     */
    async requestWithRetry(req, options) {
        const started = Date.now();
        return (0, retry_1.retry)(async () => {
            const left = Math.max(1, options.deadlineMs - (Date.now() - started));
            const signal = anySignal([AbortSignal.timeout(left), req.signal]);
            const res = await this.request({ ...req, signal });
            if (options.accept && !options.accept(res))
                throw new http_errors_1.HttpError(`unexpected status ${res.status}`, 'STATUS');
            return res;
        }, options);
    }
    async close() {
        await this.agent.close();
    }
    async destroy() {
        await this.agent.destroy();
    }
}
exports.HttpClient = HttpClient;
function anySignal(signals) {
    const present = signals.filter((s) => s !== undefined);
    return present.length === 1 ? present[0] : AbortSignal.any(present);
}


/***/ }),

/***/ 9283:
/***/ ((__unused_webpack_module, exports, __webpack_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.HttpError = void 0;
exports.describeTlsError = describeTlsError;
exports.describeHttpError = describeHttpError;
const undici_1 = __webpack_require__(4371);
/**
 * Network failures (undici, socket and TLS errors) turned into one phrase naming the cause: what
 * a reader of a smoke-test report needs, instead of undici's class names and OpenSSL codes.
 */
/** A network-level failure described in one phrase (what a reader of a smoke-test report needs). */
class HttpError extends Error {
    code;
    constructor(message, code, options) {
        super(message, options);
        this.code = code;
        this.name = 'HttpError';
    }
}
exports.HttpError = HttpError;
const TLS_REASONS = {
    CERT_HAS_EXPIRED: 'the certificate has expired',
    ERR_TLS_CERT_ALTNAME_INVALID: 'the certificate is not valid for this host name',
    DEPTH_ZERO_SELF_SIGNED_CERT: 'the certificate is self-signed and not trusted (pass ca-cert)',
    SELF_SIGNED_CERT_IN_CHAIN: 'the chain ends in an untrusted self-signed CA (pass ca-cert)',
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the certificate chain cannot be verified (missing intermediate or CA)',
    UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the certificate issuer is not trusted (pass ca-cert)',
    CERT_NOT_YET_VALID: 'the certificate is not yet valid',
};
function describeTlsError(code) {
    return TLS_REASONS[code] ?? `TLS verification failed (${code})`;
}
/** Turn undici / socket errors into one phrase naming the cause. */
function describeHttpError(error, url) {
    const e = error;
    const code = e?.code ?? e?.cause?.code;
    const where = (() => {
        try {
            return new URL(url).host;
        }
        catch {
            return url;
        }
    })();
    if (error instanceof undici_1.errors.ConnectTimeoutError)
        return new HttpError(`connecting to ${where} timed out`, 'CONNECT_TIMEOUT', { cause: error });
    if (error instanceof undici_1.errors.HeadersTimeoutError)
        return new HttpError(`${where} accepted the connection but sent no response headers in time`, 'HEADERS_TIMEOUT', {
            cause: error,
        });
    if (error instanceof undici_1.errors.BodyTimeoutError)
        return new HttpError(`${where} stopped sending the response body`, 'BODY_TIMEOUT', { cause: error });
    if (e && e.name === 'AbortError')
        return new HttpError(`no answer from ${where} before the deadline`, 'DEADLINE', { cause: error });
    if (code && (code in TLS_REASONS || code.startsWith('ERR_TLS') || code.includes('CERT')))
        return new HttpError(`TLS to ${where} failed: ${describeTlsError(code)}`, code, { cause: error });
    switch (code) {
        case 'ECONNREFUSED':
            return new HttpError(`connection to ${where} refused`, code, { cause: error });
        case 'ECONNRESET':
        case 'UND_ERR_SOCKET':
            return new HttpError(`${where} closed the connection without an answer`, code, { cause: error });
        case 'ENOTFOUND':
        case 'EAI_AGAIN':
            return new HttpError(`host name of ${where} does not resolve`, code, { cause: error });
        default:
            return new HttpError(`request to ${where} failed: ${e?.message ?? String(error)}`, code, {
                cause: error,
            });
    }
}


/***/ }),

/***/ 6894:
/***/ (function(__unused_webpack_module, exports, __webpack_require__) {


var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.parseResolve = parseResolve;
exports.pinnedAddress = pinnedAddress;
const net = __importStar(__webpack_require__(7030));
const errors_1 = __webpack_require__(9680);
/** Parse `host:port:address` entries (curl --resolve), one per line or comma-separated. */
function parseResolve(inputName, value) {
    const rules = [];
    for (const raw of value.split(/\r?\n|,/)) {
        const entry = raw.trim();
        if (entry === '' || entry.startsWith('#'))
            continue;
        const match = /^(\[[^\]]+\]|[^:[\]]+):(\d{1,5}):(\[[^\]]+\]|[^[\]]+)$/.exec(entry);
        const address = match?.[3]?.replace(/^\[|\]$/g, '') ?? '';
        const port = Number(match?.[2]);
        if (!match || net.isIP(address) === 0 || port < 1 || port > 65535)
            throw new errors_1.InputError(`'${inputName}' entries must look like host:port:address with an IP address (e.g. app.example.com:443:127.0.0.1), got '${entry}'.`);
        rules.push({ host: match[1].replace(/^\[|\]$/g, '').toLowerCase(), port, address });
    }
    return rules;
}
/** The address to connect to for host:port, or undefined when no rule pins it. */
function pinnedAddress(rules, host, port) {
    const h = host.replace(/^\[|\]$/g, '').toLowerCase();
    return rules.find((r) => r.host === h && r.port === port)?.address;
}


/***/ }),

/***/ 8924:
/***/ (function(__unused_webpack_module, exports, __webpack_require__) {


var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.probeTls = probeTls;
const net = __importStar(__webpack_require__(7030));
const tls = __importStar(__webpack_require__(1692));
const http_errors_1 = __webpack_require__(9283);
const http_resolve_1 = __webpack_require__(6894);
/**
 * Open a TLS connection and report what was negotiated and whether the
 * certificate verifies for `host` (through pinning and the custom CA, like
 * HttpClient). Verification runs without rejecting, so the report can say why.
 */
function probeTls(options) {
    const address = (0, http_resolve_1.pinnedAddress)(options.resolve ?? [], options.host, options.port) ?? options.host;
    const hostIsIp = net.isIP(options.host) !== 0;
    return new Promise((resolve, reject) => {
        const socket = tls.connect({
            host: address,
            port: options.port,
            // SNI cannot carry an IP address; Node then checks the IP SANs against `host`.
            servername: hostIsIp ? undefined : options.host,
            ca: options.ca,
            rejectUnauthorized: false,
            minVersion: options.minVersion,
            maxVersion: options.maxVersion,
            ciphers: options.ciphers,
            checkServerIdentity: (_name, cert) => tls.checkServerIdentity(options.host, cert),
        });
        const fail = (error) => {
            clearTimeout(timer);
            options.signal?.removeEventListener('abort', onAbort);
            socket.destroy();
            reject(error);
        };
        const timer = setTimeout(() => fail(new http_errors_1.HttpError(`TLS handshake with ${options.host}:${options.port} timed out`, 'CONNECT_TIMEOUT')), options.timeoutMs);
        const onAbort = () => fail(new http_errors_1.HttpError(`no TLS answer from ${options.host}:${options.port} before the deadline`, 'DEADLINE'));
        if (options.signal?.aborted)
            onAbort();
        options.signal?.addEventListener('abort', onAbort, { once: true });
        socket.once('secureConnect', () => {
            clearTimeout(timer);
            options.signal?.removeEventListener('abort', onAbort);
            const cert = socket.getPeerCertificate();
            const err = socket.authorizationError;
            const code = err === null || err === undefined
                ? undefined
                : typeof err === 'string'
                    ? err
                    : (err.message ?? '');
            const result = {
                protocol: socket.getProtocol() ?? 'unknown',
                authorized: socket.authorized,
                authorizationError: socket.authorized ? undefined : code,
                subject: cert?.subject?.CN,
                issuer: cert?.issuer?.CN,
                subjectAltName: cert?.subjectaltname,
                validFrom: cert?.valid_from ? new Date(cert.valid_from) : undefined,
                validTo: cert?.valid_to ? new Date(cert.valid_to) : undefined,
            };
            socket.end();
            resolve(result);
        });
        socket.once('error', (error) => fail((0, http_errors_1.describeHttpError)(error, `https://${options.host}:${options.port}/`)));
    });
}


/***/ }),

/***/ 6311:
/***/ (function(__unused_webpack_module, exports, __webpack_require__) {


var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __exportStar = (this && this.__exportStar) || function(m, exports) {
    for (var p in m) if (p !== "default" && !Object.prototype.hasOwnProperty.call(exports, p)) __createBinding(exports, m, p);
};
Object.defineProperty(exports, "__esModule", ({ value: true }));
/**
 * HTTP for every action: undici with explicit connect / headers / body
 * timeouts, a body size cap, pinned resolution (curl's --resolve: connect to
 * an address of our choosing while TLS is still verified against the host
 * name), a custom CA, and no automatic redirects (callers assert on them).
 *
 * One module per concern; this file keeps the public names in one place
 * ('@deploy-kit/shared/http', imported by path so that bundles without HTTP
 * do not carry undici — see index.ts).
 */
__exportStar(__webpack_require__(6894), exports);
__exportStar(__webpack_require__(9283), exports);
__exportStar(__webpack_require__(2203), exports);
__exportStar(__webpack_require__(8924), exports);


/***/ })

};
;