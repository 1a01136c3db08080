#!/usr/bin/env node
/*
 * Telegram Bot API emulator launcher for meetbot's end-to-end tests.
 *
 * Starts `telegram-test-api` (pinned to 4.2.1 in package.json) and patches it at run time so
 * that python-telegram-bot 22.x works against it. node_modules is never edited: before the
 * package is loaded we wrap the `express` factory it imports, so that our own middleware and
 * routes are registered on its app BEFORE the package's own routes (which stay reachable for
 * anything we do not override, e.g. the package's `/getUpdatesHistory`).
 *
 * Usage: node tests/e2e/emulator.js --port N [--host 127.0.0.1] [--bot-username NAME]
 *                                   [--exit-with-stdin] [--verbose]
 *                                   [--first-update-id N] [--first-message-id N]
 * (--first-update-id/--first-message-id let a restarted emulator go on numbering where the
 * previous one stopped, as Telegram's own counters survive an outage.)
 * Prints exactly one line `READY <port>` on stdout once listening; logs go to stderr.
 *
 * Only loopback hosts are accepted, and webhooks may only point at loopback addresses.
 *
 * Patches for python-telegram-bot 22.x:
 *   1. getMe returns a complete User (is_bot, can_join_groups, ...).
 *   2. Dates are in seconds everywhere (results and updates).
 *   3. Edit methods return the edited Message, update the stored message and log the edit.
 *   4. Callback queries carry chat_instance and the full (current) message.
 *   5. getUpdates implements offset/limit/timeout (real long polling, confirmation by offset).
 *   6. The 60 s purge of stored messages is disabled.
 *   7. Missing methods are implemented (set/get/deleteMyCommands, answerInlineQuery,
 *      getWebhookInfo, setWebhook, deleteWebhook, sendChatAction, answerCallbackQuery, ...).
 *   8. Inline queries can be sent by the client (/sendInlineQuery); answers are stored.
 *   9. Bodies are accepted as JSON, x-www-form-urlencoded and multipart/form-data, with
 *      PTB's JSON-encoded field values decoded.
 * Extras: /sendRawUpdate (photos, stickers, edited messages, groups...), reading endpoints
 * (/getBotMessages, /getBotEdits, /getInlineAnswers, /getCallbackAnswers,
 * /getMyCommandsStored, /getChatActions, /stats with request counts per method), fault
 * injection (/injectError: fail, delay or both, for the next K calls of a method or for a
 * time; /clearFaults), webhook delivery with the secret-token header, and Telegram-like 400s
 * (empty/too long text, bad HTML/MarkdownV2, BUTTON_DATA_INVALID, "message is not modified").
 */
'use strict';

const crypto = require('crypto');
const http = require('http');

// ---------------------------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------------------------

function parseArgs(argv) {
  const opts = {
    port: 9000,
    host: '127.0.0.1',
    botUsername: 'meetbot_test_bot',
    botFirstName: 'Meetbot Test',
    exitWithStdin: false,
    verbose: false,
    firstUpdateId: null,
    firstMessageId: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = () => {
      i += 1;
      if (i >= argv.length) throw new Error(`missing value for ${arg}`);
      return argv[i];
    };
    if (arg === '--port') opts.port = Number(next());
    else if (arg === '--host') opts.host = next();
    else if (arg === '--bot-username') opts.botUsername = next();
    else if (arg === '--bot-first-name') opts.botFirstName = next();
    else if (arg === '--exit-with-stdin') opts.exitWithStdin = true;
    else if (arg === '--verbose') opts.verbose = true;
    else if (arg === '--first-update-id') opts.firstUpdateId = Number(next());
    else if (arg === '--first-message-id') opts.firstMessageId = Number(next());
    else throw new Error(`unknown argument: ${arg}`);
  }
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
    throw new Error(`invalid --port: ${opts.port}`);
  }
  if (!isLoopbackHost(opts.host)) {
    throw new Error(`refusing to listen on non-loopback host ${opts.host}`);
  }
  for (const name of ['firstUpdateId', 'firstMessageId']) {
    if (opts[name] !== null && !(Number.isSafeInteger(opts[name]) && opts[name] >= 1)) {
      throw new Error(`invalid --${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
    }
  }
  return opts;
}

function isLoopbackHost(host) {
  const h = String(host).replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

const OPTS = parseArgs(process.argv.slice(2));

function log(...args) {
  if (OPTS.verbose) process.stderr.write(`[emulator] ${args.join(' ')}\n`);
}

// ---------------------------------------------------------------------------------------------
// Hook the express factory used by telegram-test-api (must happen before requiring it)
// ---------------------------------------------------------------------------------------------

const packageMain = require.resolve('telegram-test-api');
const expressPath = require.resolve('express', { paths: [packageMain] });
const realExpress = require(expressPath);
let onAppCreated = null;

function hookedExpress(...args) {
  const app = realExpress(...args);
  const hook = onAppCreated;
  onAppCreated = null; // one-shot: only the TelegramServer's app is patched
  if (hook) hook(app);
  return app;
}
Object.assign(hookedExpress, realExpress);
require.cache[expressPath].exports = hookedExpress;

// `app` is created inside the TelegramServer constructor; our layers go first.
onAppCreated = (app) => {
  app.use(bodyParser);
  app.use(statsCounter);
  app.all('/bot:token/:method', botMethodRouter);
  app.get('/file/bot:token/*', fileDownload);
  for (const [path, handler] of Object.entries(CLIENT_ROUTES)) {
    app.all(path, wrapClient(handler));
  }
};

const telegramTestApi = require('telegram-test-api');
// lib/index.js sets module.exports to the class itself.
const TelegramServer = telegramTestApi.TelegramServer || telegramTestApi;

// ---------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------

/** @type {TelegramServer} */
let server = null;

const startedAt = Date.now();
const nowSeconds = () => Math.floor(Date.now() / 1000);

const stats = { total: 0, methods: {}, perToken: {} };
const confirmed = new Map(); // token -> lowest update_id still pending (offset watermark)
const chats = new Map(); // String(chat_id) -> Chat object seen in user updates
const edits = []; // {seq, token, method, chat_id, message_id, inline_message_id, ...}
const inlineQueries = new Map(); // inline_query_id -> {token, query}
const inlineAnswers = new Map(); // inline_query_id -> answer
const callbackQueries = new Map(); // callback_query_id -> {token}
const callbackAnswers = []; // {seq, token, callback_query_id, text, show_alert, url}
const myCommands = new Map(); // token -> Map(key -> {scope, language_code, commands})
const botSettings = new Map(); // token -> {description, short_description, name, ...}
const chatActions = []; // {token, chat_id, action, time}
const uploadedFiles = new Map(); // file_id -> {size, mime, filename}
let editSeq = 0;
let callbackAnswerSeq = 0;
let inlineQuerySeq = 0;

// Waiters woken whenever something relevant happens for a token.
const updateWaiters = new Set(); // getUpdates long polls: {token, wake}
const activityWaiters = new Set(); // client reads waiting for bot activity: {token, wake}

function wake(set, token) {
  for (const w of Array.from(set)) {
    if (w.token === token) w.wake();
  }
}

function botIdFromToken(token) {
  const m = /^(\d+):/.exec(String(token));
  return m ? Number(m[1]) : 777000;
}

function botUser(token) {
  return {
    id: botIdFromToken(token),
    is_bot: true,
    first_name: OPTS.botFirstName,
    username: OPTS.botUsername,
  };
}

function tokenStats(token) {
  if (!stats.perToken[token]) stats.perToken[token] = { total: 0, methods: {}, faults: {} };
  return stats.perToken[token];
}

// ---------------------------------------------------------------------------------------------
// Body parsing (patch 9)
// ---------------------------------------------------------------------------------------------

// Fields whose values are plain strings even when they look like JSON numbers/literals.
const STRING_FIELDS = new Set([
  'text', 'caption', 'query', 'data', 'url', 'parse_mode', 'caption_parse_mode',
  'callback_query_id', 'inline_query_id', 'inline_message_id', 'next_offset', 'offset_str',
  'switch_pm_text', 'switch_pm_parameter', 'description', 'short_description', 'name',
  'language_code', 'title', 'emoji', 'action', 'secret_token', 'ip_address',
  'business_connection_id', 'message_effect_id', 'file_id', 'sticker', 'photo', 'document',
  'animation', 'video', 'audio', 'voice', 'video_note', 'thumbnail', 'first_name', 'last_name',
  'phone_number', 'address', 'foursquare_id', 'question', 'explanation', 'game_short_name',
  'botToken', 'token', 'chat_instance', 'id',
]);

function decodeValue(key, value) {
  if (typeof value !== 'string' || STRING_FIELDS.has(key)) return value;
  const trimmed = value.trim();
  if (trimmed === '') return value;
  const first = trimmed[0];
  if (first === '{' || first === '[' || first === '"' || trimmed === 'true'
      || trimmed === 'false' || trimmed === 'null' || /^-?\d+(\.\d+)?$/.test(trimmed)) {
    try {
      const parsed = JSON.parse(trimmed);
      // Keep huge integers (beyond 2^53) as strings rather than losing precision.
      if (typeof parsed === 'number' && !Number.isSafeInteger(parsed) && /^-?\d+$/.test(trimmed)) {
        return value;
      }
      return parsed;
    } catch (_e) {
      return value;
    }
  }
  return value;
}

function decodeFields(obj) {
  const out = {};
  for (const [k, v] of Object.entries(obj)) out[k] = decodeValue(k, v);
  return out;
}

function parseMultipart(buf, boundary) {
  const fields = {};
  const files = {};
  const delim = Buffer.from(`--${boundary}`);
  let pos = buf.indexOf(delim);
  while (pos !== -1) {
    pos += delim.length;
    if (buf[pos] === 0x2d && buf[pos + 1] === 0x2d) break; // closing "--"
    if (buf[pos] === 0x0d && buf[pos + 1] === 0x0a) pos += 2;
    const headerEnd = buf.indexOf('\r\n\r\n', pos);
    if (headerEnd === -1) break;
    const headers = buf.slice(pos, headerEnd).toString('utf8');
    const next = buf.indexOf(delim, headerEnd + 4);
    if (next === -1) break;
    let end = next;
    if (buf[end - 2] === 0x0d && buf[end - 1] === 0x0a) end -= 2;
    const content = buf.slice(headerEnd + 4, end);
    const nameMatch = /(?:^|[;\s])name="([^"]*)"/i.exec(headers);
    const fileMatch = /filename\*?="?([^";\r\n]*)"?/i.exec(headers);
    const typeMatch = /content-type:\s*([^\r\n]+)/i.exec(headers);
    if (nameMatch) {
      if (fileMatch) {
        files[nameMatch[1]] = {
          filename: fileMatch[1],
          mime: typeMatch ? typeMatch[1].trim() : 'application/octet-stream',
          size: content.length,
          sha1: crypto.createHash('sha1').update(content).digest('hex'),
        };
      } else {
        fields[nameMatch[1]] = content.toString('utf8');
      }
    }
    pos = next;
  }
  return { fields, files };
}

function bodyParser(req, res, next) {
  const chunks = [];
  let size = 0;
  req.on('data', (c) => {
    size += c.length;
    if (size <= 60 * 1024 * 1024) chunks.push(c);
  });
  req.on('error', next);
  req.on('end', () => {
    const buf = Buffer.concat(chunks);
    const ctype = String(req.headers['content-type'] || '').toLowerCase();
    let body = {};
    req.files = {};
    try {
      if (buf.length === 0) {
        body = {};
      } else if (ctype.startsWith('application/json')) {
        const parsed = JSON.parse(buf.toString('utf8'));
        body = parsed && typeof parsed === 'object' ? parsed : {};
        body = decodeFields(body);
      } else if (ctype.startsWith('multipart/form-data')) {
        const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(req.headers['content-type']);
        const { fields, files } = parseMultipart(buf, m ? (m[1] || m[2]).trim() : '');
        body = decodeFields(fields);
        req.files = files;
        for (const [name, info] of Object.entries(files)) {
          if (!(name in body)) body[name] = { attached_file: info };
        }
      } else {
        body = decodeFields(Object.fromEntries(new URLSearchParams(buf.toString('utf8'))));
      }
    } catch (err) {
      res.status(400).json({ ok: false, error_code: 400, description: `Bad Request: ${err}` });
      return;
    }
    // Query-string parameters are allowed by the Bot API as well.
    const query = decodeFields(Object.fromEntries(new URL(req.url, 'http://x').searchParams));
    req.body = { ...query, ...body };
    req._body = true; // tells the package's express.json/urlencoded to skip
    next();
  });
}

function statsCounter(req, _res, next) {
  const m = /^\/bot([^/]+)\/([^/?]+)/.exec(req.path);
  if (m) {
    const token = decodeURIComponent(m[1]);
    const method = m[2];
    stats.total += 1;
    stats.methods[method] = (stats.methods[method] || 0) + 1;
    const t = tokenStats(token);
    t.total += 1;
    t.methods[method] = (t.methods[method] || 0) + 1;
  }
  next();
}

// ---------------------------------------------------------------------------------------------
// Telegram-style errors and helpers
// ---------------------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(code, description) {
    super(description);
    this.code = code;
  }
}

const badRequest = (what) => new ApiError(400, `Bad Request: ${what}`);

function ok(res, result) {
  res.json({ ok: true, result });
}

function requireField(body, name) {
  if (body[name] === undefined || body[name] === null || body[name] === '') {
    throw badRequest(`${name} is empty`);
  }
  return body[name];
}

function utf8Length(s) {
  return Buffer.byteLength(String(s), 'utf8');
}

// ---------------------------------------------------------------------------------------------
// Validation that mirrors real Telegram behaviour bots must cope with
// ---------------------------------------------------------------------------------------------

const HTML_TAGS = new Set([
  'b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'span', 'tg-spoiler', 'a',
  'code', 'pre', 'blockquote', 'tg-emoji',
]);

/** Returns the visible text of an HTML-formatted message or throws like Telegram does. */
function parseHtml(text) {
  const stack = [];
  let visible = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '<') {
      const close = text.indexOf('>', i);
      if (close === -1) {
        throw badRequest(`can't parse entities: Unclosed start tag at byte offset ${i}`);
      }
      const raw = text.slice(i + 1, close).trim();
      if (raw.startsWith('/')) {
        const name = raw.slice(1).trim().toLowerCase();
        const top = stack.pop();
        if (top !== name) {
          throw badRequest(`can't parse entities: Unmatched end tag at byte offset ${i}, `
            + `expected "</${top}>", found "</${name}>"`);
        }
      } else {
        const name = raw.split(/[\s/]/)[0].toLowerCase();
        if (!HTML_TAGS.has(name)) {
          throw badRequest(`can't parse entities: Unsupported start tag "${name}" at byte `
            + `offset ${i}`);
        }
        if (name === 'a' && !/href\s*=/.test(raw)) {
          // Telegram accepts <a> without href but produces no link; fine.
        }
        stack.push(name);
      }
      i = close + 1;
    } else if (ch === '&') {
      const m = /^&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);/.exec(text.slice(i, i + 12));
      const named = { lt: '<', gt: '>', amp: '&', quot: '"' };
      if (!m || (!m[1].startsWith('#') && !(m[1] in named))) {
        // Telegram treats a lone '&' literally only when it is not followed by an entity-like
        // name; an unknown named entity is an error.
        if (m) throw badRequest(`can't parse entities: Unsupported HTML entity "&${m[1]};"`);
        visible += '&';
        i += 1;
      } else {
        visible += m[1].startsWith('#') ? '?' : named[m[1]];
        i += m[0].length;
      }
    } else {
      visible += ch;
      i += 1;
    }
  }
  if (stack.length) {
    throw badRequest(`can't parse entities: Can't find end tag corresponding to start tag `
      + `"${stack[stack.length - 1]}"`);
  }
  return visible;
}

/** Approximate MarkdownV2 check: characters that are never markup must be escaped. */
function parseMarkdownV2(text) {
  const alwaysReserved = new Set(['#', '+', '-', '=', '{', '}', '.', '!']);
  let visible = '';
  let inCode = false;
  let inPre = false;
  let inUrl = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\') {
      if (i + 1 < text.length) visible += text[i + 1];
      i += 1;
      continue;
    }
    if (text.startsWith('```', i) && !inCode) {
      inPre = !inPre;
      i += 2;
      continue;
    }
    if (ch === '`' && !inPre) {
      inCode = !inCode;
      continue;
    }
    if (inPre || inCode) {
      visible += ch;
      continue;
    }
    if (inUrl) {
      if (ch === ')') inUrl = false;
      continue;
    }
    if (ch === ']' && text[i + 1] === '(') {
      inUrl = true;
      i += 1;
      continue;
    }
    if (alwaysReserved.has(ch)) {
      throw badRequest(`can't parse entities: Character '${ch}' is reserved and must be `
        + "escaped with the preceding '\\'");
    }
    if ('_*[]~|>()'.includes(ch)) continue; // markup characters (approximation)
    visible += ch;
  }
  if (inCode || inPre) throw badRequest("can't parse entities: Can't find end of the entity");
  return visible;
}

function visibleText(text, parseMode) {
  const mode = String(parseMode || '').toLowerCase();
  if (mode === 'html') return parseHtml(text);
  if (mode === 'markdownv2') return parseMarkdownV2(text);
  return text;
}

function checkText(text, parseMode, { field = 'text', max = 4096, allowEmpty = false } = {}) {
  if (text === undefined || text === null || String(text) === '') {
    if (allowEmpty) return;
    throw badRequest('message text is empty');
  }
  const visible = visibleText(String(text), parseMode);
  if (!allowEmpty && visible.trim() === '') throw badRequest('message text is empty');
  // JS string length counts UTF-16 code units, like Telegram's entity offsets.
  if (visible.length > max) {
    throw badRequest(field === 'caption' ? 'message caption is too long' : 'message is too long');
  }
}

const BUTTON_ACTIONS = [
  'url', 'callback_data', 'switch_inline_query', 'switch_inline_query_current_chat',
  'switch_inline_query_chosen_chat', 'web_app', 'login_url', 'callback_game', 'pay',
  'copy_text',
];

function checkReplyMarkup(markup) {
  if (!markup || typeof markup !== 'object') return;
  if ('inline_keyboard' in markup) {
    if (!Array.isArray(markup.inline_keyboard)) throw badRequest('inline keyboard expected');
    for (const row of markup.inline_keyboard) {
      if (!Array.isArray(row)) throw badRequest('inline keyboard row expected');
      for (const button of row) {
        if (!button || typeof button.text !== 'string' || button.text === '') {
          throw badRequest('text buttons are unallowed in the inline keyboard');
        }
        const actions = BUTTON_ACTIONS.filter((a) => button[a] !== undefined);
        if (actions.length !== 1) {
          throw badRequest('text buttons are unallowed in the inline keyboard');
        }
        if (button.callback_data !== undefined) {
          const n = utf8Length(button.callback_data);
          if (typeof button.callback_data !== 'string' || n < 1 || n > 64) {
            throw badRequest('BUTTON_DATA_INVALID');
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Message building (patch 2: seconds everywhere)
// ---------------------------------------------------------------------------------------------

function toSeconds(v) {
  return typeof v === 'number' && v > 1e11 ? Math.floor(v / 1000) : v;
}

/** Recursively converts millisecond `date`/`edit_date` fields to seconds. */
function fixDates(obj, depth = 0) {
  if (!obj || typeof obj !== 'object' || depth > 8) return obj;
  if (Array.isArray(obj)) return obj.map((x) => fixDates(x, depth + 1));
  const out = {};
  for (const [k, v] of Object.entries(obj)) {
    if ((k === 'date' || k === 'edit_date' || k === 'forward_date') && typeof v === 'number') {
      out[k] = toSeconds(v);
    } else if (v && typeof v === 'object') {
      out[k] = fixDates(v, depth + 1);
    } else {
      out[k] = v;
    }
  }
  return out;
}

function rememberChat(chat) {
  if (chat && chat.id !== undefined) chats.set(String(chat.id), { ...chat });
}

function chatFor(chatId) {
  const known = chats.get(String(chatId));
  if (known) return { ...known };
  const id = typeof chatId === 'number' ? chatId : Number(chatId);
  if (!Number.isFinite(id)) {
    return { id: -1000000000001, type: 'channel', title: String(chatId), username: String(chatId).replace(/^@/, '') };
  }
  if (id > 0) return { id, type: 'private', first_name: 'User' };
  if (String(id).startsWith('-100')) return { id, type: 'supergroup', title: 'Supergroup' };
  return { id, type: 'group', title: 'Group' };
}

function sameChat(a, b) {
  return String(a) === String(b);
}

function findBotRecord(token, chatId, messageId) {
  return server.storage.botMessages.find((r) => r.botToken === token
    && String(r.messageId) === String(messageId) && sameChat(r.message.chat_id, chatId));
}

function userMessageOf(update) {
  if (update.message) return { ...update.message, message_id: update.messageId };
  if (update.rawUpdate) {
    for (const key of ['message', 'edited_message', 'channel_post', 'business_message']) {
      if (update.rawUpdate[key]) return update.rawUpdate[key];
    }
  }
  return null;
}

function findMessageAnyone(token, chatId, messageId) {
  const rec = findBotRecord(token, chatId, messageId);
  if (rec && !rec.deleted) return botMessageObject(rec, { shallow: true });
  for (const u of server.storage.userMessages) {
    if (u.botToken !== token) continue;
    const m = userMessageOf(u);
    if (m && String(m.message_id) === String(messageId) && m.chat && sameChat(m.chat.id, chatId)) {
      const copy = fixDates(m);
      delete copy.botToken;
      delete copy.reply_to_message;
      return copy;
    }
  }
  return null;
}

function mediaFromUpload(kind, value, body) {
  let fileId;
  let size = 0;
  if (value && typeof value === 'object' && value.attached_file) {
    const f = value.attached_file;
    fileId = `AgAC${kind}_${f.sha1.slice(0, 24)}`;
    size = f.size;
    uploadedFiles.set(fileId, f);
  } else {
    fileId = String(value);
  }
  const base = {
    file_id: fileId,
    file_unique_id: `u_${crypto.createHash('md5').update(fileId).digest('hex').slice(0, 12)}`,
  };
  if (size) base.file_size = size;
  switch (kind) {
    case 'photo':
      return [{ ...base, width: 320, height: 240 }, { ...base, width: 800, height: 600 }];
    case 'sticker':
      return { ...base, type: 'regular', width: 512, height: 512, is_animated: false, is_video: false };
    case 'animation':
    case 'video':
      return { ...base, width: 320, height: 240, duration: Number(body.duration || 1) };
    case 'audio':
    case 'voice':
      return { ...base, duration: Number(body.duration || 1) };
    case 'video_note':
      return { ...base, length: 240, duration: Number(body.duration || 1) };
    default:
      return { ...base, file_name: (value && value.attached_file && value.attached_file.filename) || 'file' };
  }
}

function botMessageObject(rec, { shallow = false } = {}) {
  const body = rec.message;
  const msg = {
    message_id: rec.messageId,
    from: botUser(rec.botToken),
    chat: chatFor(body.chat_id),
    date: Math.floor(rec.time / 1000),
  };
  if (body.message_thread_id !== undefined) msg.message_thread_id = body.message_thread_id;
  if (rec.editTime) msg.edit_date = Math.floor(rec.editTime / 1000);
  if (body.text !== undefined) msg.text = String(body.text);
  if (Array.isArray(body.entities)) msg.entities = body.entities;
  if (rec.media) Object.assign(msg, rec.media);
  if (body.caption !== undefined && rec.media) msg.caption = String(body.caption);
  if (Array.isArray(body.caption_entities)) msg.caption_entities = body.caption_entities;
  if (body.reply_markup && 'inline_keyboard' in body.reply_markup) {
    msg.reply_markup = body.reply_markup;
  }
  if (!shallow) {
    const replyId = (body.reply_parameters && body.reply_parameters.message_id)
      || body.reply_to_message_id;
    if (replyId !== undefined) {
      const replyChat = (body.reply_parameters && body.reply_parameters.chat_id) || body.chat_id;
      const replied = findMessageAnyone(rec.botToken, replyChat, replyId);
      if (replied) msg.reply_to_message = replied;
    }
  }
  return msg;
}

/** What the test client sees for a bot message: the Message plus request details. */
function clientView(rec) {
  const msg = botMessageObject(rec);
  const body = rec.message;
  return {
    seq: rec.messageId,
    method: rec.method || 'sendMessage',
    message: msg,
    message_id: rec.messageId,
    chat_id: msg.chat.id,
    text: msg.text !== undefined ? msg.text : (msg.caption !== undefined ? msg.caption : null),
    parse_mode: body.parse_mode !== undefined ? body.parse_mode
      : (body.caption_parse_mode !== undefined ? body.caption_parse_mode : null),
    reply_markup: body.reply_markup !== undefined ? body.reply_markup : null,
    entities: msg.entities || msg.caption_entities || null,
    edited: Boolean(rec.editTime),
    deleted: Boolean(rec.deleted),
    params: body,
  };
}

// ---------------------------------------------------------------------------------------------
// Update formatting (patches 2, 4; used by getUpdates and by webhook delivery)
// ---------------------------------------------------------------------------------------------

function chatInstanceFor(chatId) {
  const h = crypto.createHash('sha1').update(`chat:${chatId}`).digest();
  return String(-(h.readUInt32BE(0) * 1000 + (h[4] % 1000)));
}

function formatUpdate(update) {
  if (update.rawUpdate) {
    return fixDates({ ...update.rawUpdate, update_id: update.updateId });
  }
  if ('callbackQuery' in update) {
    const cq = update.callbackQuery;
    const out = {
      id: String(cq.id || update.callbackId),
      from: cq.from,
      chat_instance: cq.chat_instance
        || chatInstanceFor(cq.message && cq.message.chat ? cq.message.chat.id : 0),
      data: cq.data,
    };
    if (cq.message) out.message = cq.message;
    if (cq.inline_message_id) out.inline_message_id = cq.inline_message_id;
    return fixDates({ update_id: update.updateId, callback_query: out });
  }
  const message = { ...update.message, message_id: update.messageId };
  delete message.botToken;
  if (message.date === undefined) message.date = Math.floor(update.time / 1000);
  return fixDates({ update_id: update.updateId, message });
}

function updateType(formatted) {
  return Object.keys(formatted).find((k) => k !== 'update_id');
}

// ---------------------------------------------------------------------------------------------
// Bot API methods
// ---------------------------------------------------------------------------------------------

function pendingUpdates(token) {
  const watermark = confirmed.get(token) || 0;
  return server.storage.userMessages
    .filter((u) => u.botToken === token && u.updateId >= watermark)
    .sort((a, b) => a.updateId - b.updateId);
}

function confirmUpTo(token, offset) {
  const current = confirmed.get(token) || 0;
  if (offset > current) confirmed.set(token, offset);
}

function storeBotMessage(token, body, method, media) {
  // Let the package record it (keeps its own client routes such as /getUpdatesHistory working).
  server.addBotMessage(body, token);
  const rec = server.storage.botMessages[server.storage.botMessages.length - 1];
  rec.method = method;
  if (media) rec.media = media;
  wake(activityWaiters, token);
  return rec;
}

const MEDIA_METHODS = {
  sendphoto: 'photo',
  senddocument: 'document',
  sendsticker: 'sticker',
  sendanimation: 'animation',
  sendvideo: 'video',
  sendaudio: 'audio',
  sendvoice: 'voice',
  sendvideonote: 'video_note',
};

function recordEdit(token, method, body, rec) {
  editSeq += 1;
  const entry = {
    seq: editSeq,
    method,
    chat_id: rec ? rec.message.chat_id : (body.chat_id !== undefined ? body.chat_id : null),
    message_id: rec ? rec.messageId : (body.message_id !== undefined ? body.message_id : null),
    inline_message_id: body.inline_message_id || null,
    text: body.text !== undefined ? body.text : null,
    caption: body.caption !== undefined ? body.caption : null,
    parse_mode: body.parse_mode !== undefined ? body.parse_mode : null,
    reply_markup: body.reply_markup !== undefined ? body.reply_markup : null,
    params: body,
    time: nowSeconds(),
  };
  edits.push({ ...entry, token });
  wake(activityWaiters, token);
  return entry;
}

function editMessage(token, method, body) {
  if (body.inline_message_id) {
    if (method === 'editMessageText') checkText(body.text, body.parse_mode);
    checkReplyMarkup(body.reply_markup);
    recordEdit(token, method, body, null);
    return true;
  }
  const chatId = requireField(body, 'chat_id');
  const messageId = requireField(body, 'message_id');
  const rec = findBotRecord(token, chatId, messageId);
  if (!rec || rec.deleted) throw badRequest('message to edit not found');
  const before = JSON.stringify(botMessageObject(rec));
  const m = rec.message;
  if (method === 'editMessageText') {
    checkText(body.text, body.parse_mode);
    if (rec.media) throw badRequest('there is no text in the message to edit');
    m.text = body.text;
    if (body.parse_mode !== undefined) m.parse_mode = body.parse_mode;
    else delete m.parse_mode;
    if (body.entities !== undefined) m.entities = body.entities;
    else delete m.entities;
  } else if (method === 'editMessageCaption') {
    checkText(body.caption, body.parse_mode, { field: 'caption', max: 1024, allowEmpty: true });
    if (!rec.media) throw badRequest('there is no caption in the message to edit');
    m.caption = body.caption;
    if (body.parse_mode !== undefined) m.caption_parse_mode = body.parse_mode;
    if (body.caption_entities !== undefined) m.caption_entities = body.caption_entities;
    else delete m.caption_entities;
  }
  // Like Telegram: an edit without reply_markup removes the inline keyboard.
  checkReplyMarkup(body.reply_markup);
  if (body.reply_markup !== undefined && body.reply_markup !== null && body.reply_markup !== '') {
    m.reply_markup = body.reply_markup;
  } else {
    delete m.reply_markup;
  }
  const after = JSON.stringify(botMessageObject(rec));
  if (before === after) {
    throw badRequest('message is not modified: specified new message content and reply markup '
      + 'are exactly the same as a current content and reply markup of the message');
  }
  rec.editTime = Date.now();
  recordEdit(token, method, body, rec);
  return botMessageObject(rec);
}

function commandsKey(body) {
  const scope = body.scope && typeof body.scope === 'object' ? body.scope : { type: 'default' };
  const parts = [scope.type || 'default', scope.chat_id !== undefined ? scope.chat_id : '',
    scope.user_id !== undefined ? scope.user_id : '', body.language_code || ''];
  return { key: parts.join('|'), scope };
}

function commandStore(token) {
  if (!myCommands.has(token)) myCommands.set(token, new Map());
  return myCommands.get(token);
}

function settingsFor(token) {
  if (!botSettings.has(token)) botSettings.set(token, {});
  return botSettings.get(token);
}

// ---------------------------------------------------------------------------------------------
// Webhook delivery (loopback http only), serialized per token like Telegram does
// ---------------------------------------------------------------------------------------------

const webhookChains = new Map(); // token -> Promise of the previous delivery
const webhookErrors = new Map(); // token -> {date, message}

function postJson(url, payload, headers) {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    if (target.protocol !== 'http:' || !isLoopbackHost(target.hostname)) {
      reject(new Error(`refusing to deliver to ${url}`));
      return;
    }
    const data = Buffer.from(JSON.stringify(payload));
    const req = http.request({
      hostname: target.hostname.replace(/^\[|\]$/g, ''),
      port: target.port || 80,
      path: `${target.pathname}${target.search}`,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': data.length, ...headers },
      timeout: 10000,
    }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('timeout', () => req.destroy(new Error('Read timeout expired')));
    req.on('error', reject);
    req.end(data);
  });
}

function deliverWebhook(token, hook, payload) {
  const headers = {};
  if (hook.secret_token) headers['x-telegram-bot-api-secret-token'] = String(hook.secret_token);
  const previous = webhookChains.get(token) || Promise.resolve();
  const attempt = async () => {
    let lastError = null;
    for (let i = 0; i < 3; i++) {
      try {
        const status = await postJson(hook.url, payload, headers);
        if (status >= 200 && status < 300) {
          stats.webhook_deliveries = (stats.webhook_deliveries || 0) + 1;
          return;
        }
        lastError = `Wrong response from the webhook: ${status}`;
      } catch (err) {
        lastError = String(err && err.message ? err.message : err);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    stats.webhook_failures = (stats.webhook_failures || 0) + 1;
    webhookErrors.set(token, { date: nowSeconds(), message: lastError });
    log(`webhook delivery failed: ${lastError}`);
  };
  const current = previous.then(attempt, attempt);
  webhookChains.set(token, current);
  return current;
}

function getUpdatesHandler(token, body, req, res) {
  if (server.webhooks[token]) {
    throw new ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
      + 'use deleteWebhook to delete the webhook first');
  }
  const offset = body.offset !== undefined ? Number(body.offset) : undefined;
  if (offset !== undefined && Number.isFinite(offset)) {
    if (offset >= 0) {
      confirmUpTo(token, offset);
    } else {
      const pending = pendingUpdates(token);
      const keep = pending.slice(offset); // the last |offset| updates
      if (keep.length) confirmUpTo(token, keep[0].updateId);
    }
  }
  let limit = body.limit !== undefined ? Number(body.limit) : 100;
  if (!Number.isFinite(limit) || limit < 1) limit = 100;
  limit = Math.min(limit, 100);
  let timeout = body.timeout !== undefined ? Number(body.timeout) : 0;
  if (!Number.isFinite(timeout) || timeout < 0) timeout = 0;
  timeout = Math.min(timeout, 50);
  const allowed = Array.isArray(body.allowed_updates) && body.allowed_updates.length
    ? new Set(body.allowed_updates) : null;

  const collect = () => {
    const out = [];
    for (const u of pendingUpdates(token)) {
      const formatted = formatUpdate(u);
      if (allowed && !allowed.has(updateType(formatted))) continue;
      out.push(formatted);
      if (out.length >= limit) break;
    }
    return out;
  };

  const first = collect();
  if (first.length || timeout === 0) {
    ok(res, first);
    return;
  }
  let done = false;
  const waiter = { token, wake: () => finish() };
  const timer = setTimeout(() => finish(), timeout * 1000);
  function finish() {
    if (done) return;
    done = true;
    clearTimeout(timer);
    updateWaiters.delete(waiter);
    if (!res.writableEnded && !res.destroyed) ok(res, collect());
  }
  updateWaiters.add(waiter);
  res.on('close', () => {
    done = true;
    clearTimeout(timer);
    updateWaiters.delete(waiter);
  });
}

const BOT_METHODS = {
  getme: (token) => ({
    ...botUser(token),
    can_join_groups: true,
    can_read_all_group_messages: false,
    supports_inline_queries: true,
    can_connect_to_business: false,
    has_main_web_app: false,
  }),
  logout: () => true,
  close: () => true,

  getupdates: getUpdatesHandler,

  sendmessage: (token, body) => {
    requireField(body, 'chat_id');
    checkText(body.text, body.parse_mode);
    checkReplyMarkup(body.reply_markup);
    const rec = storeBotMessage(token, body, 'sendMessage', null);
    return botMessageObject(rec);
  },
  sendlocation: (token, body) => {
    requireField(body, 'chat_id');
    const media = {
      location: { latitude: Number(body.latitude), longitude: Number(body.longitude) },
    };
    return botMessageObject(storeBotMessage(token, body, 'sendLocation', media));
  },
  senddice: (token, body) => {
    requireField(body, 'chat_id');
    const media = { dice: { emoji: body.emoji || '🎲', value: 1 } };
    return botMessageObject(storeBotMessage(token, body, 'sendDice', media));
  },

  editmessagetext: (token, body) => editMessage(token, 'editMessageText', body),
  editmessagecaption: (token, body) => editMessage(token, 'editMessageCaption', body),
  editmessagereplymarkup: (token, body) => editMessage(token, 'editMessageReplyMarkup', body),
  deletemessage: (token, body) => {
    const rec = findBotRecord(token, requireField(body, 'chat_id'),
      requireField(body, 'message_id'));
    if (rec && !rec.deleted) {
      rec.deleted = true;
      recordEdit(token, 'deleteMessage', body, rec);
      return true;
    }
    // Deleting a user's message (allowed in groups for admins); accept if it exists.
    if (findMessageAnyone(token, body.chat_id, body.message_id)) {
      recordEdit(token, 'deleteMessage', body, null);
      return true;
    }
    throw badRequest('message to delete not found');
  },

  answercallbackquery: (token, body) => {
    const id = String(requireField(body, 'callback_query_id'));
    const known = callbackQueries.get(id);
    if (!known || known.token !== token) {
      throw badRequest('query is too old and response timeout expired or query ID is invalid');
    }
    if (known.answered) throw badRequest('query is too old and response timeout expired or query ID is invalid');
    known.answered = true;
    if (body.text !== undefined && String(body.text).length > 200) {
      throw badRequest('MESSAGE_TOO_LONG');
    }
    callbackAnswerSeq += 1;
    callbackAnswers.push({
      seq: callbackAnswerSeq,
      token,
      callback_query_id: id,
      text: body.text !== undefined ? body.text : null,
      show_alert: Boolean(body.show_alert),
      url: body.url || null,
      cache_time: body.cache_time !== undefined ? Number(body.cache_time) : 0,
    });
    wake(activityWaiters, token);
    return true;
  },

  answerinlinequery: (token, body) => {
    const id = String(requireField(body, 'inline_query_id'));
    const known = inlineQueries.get(id);
    if (!known || known.token !== token) {
      throw badRequest('query is too old and response timeout expired or query ID is invalid');
    }
    const results = Array.isArray(body.results) ? body.results : null;
    if (!results) throw badRequest('results must be an array');
    if (results.length > 50) throw badRequest('RESULTS_TOO_MUCH');
    const ids = new Set();
    for (const r of results) {
      if (!r || typeof r !== 'object' || !r.type || r.id === undefined || r.id === '') {
        throw badRequest('RESULT_ID_INVALID');
      }
      if (ids.has(String(r.id))) throw badRequest('RESULT_ID_DUPLICATE');
      ids.add(String(r.id));
      if (r.reply_markup) checkReplyMarkup(r.reply_markup);
      const imc = r.input_message_content;
      if (imc && imc.message_text !== undefined) checkText(imc.message_text, imc.parse_mode);
    }
    inlineAnswers.set(id, {
      token,
      inline_query_id: id,
      query: known.query,
      results,
      cache_time: body.cache_time !== undefined ? Number(body.cache_time) : 300,
      is_personal: Boolean(body.is_personal),
      next_offset: body.next_offset !== undefined ? String(body.next_offset) : '',
      button: body.button || null,
      time: nowSeconds(),
    });
    wake(activityWaiters, token);
    return true;
  },

  sendchataction: (token, body) => {
    requireField(body, 'chat_id');
    requireField(body, 'action');
    chatActions.push({ token, chat_id: body.chat_id, action: body.action, time: nowSeconds() });
    return true;
  },

  setmycommands: (token, body) => {
    const commands = Array.isArray(body.commands) ? body.commands : null;
    if (!commands) throw badRequest('commands must be an array');
    if (commands.length > 100) throw badRequest('too many commands');
    for (const c of commands) {
      if (!c || !/^[a-z0-9_]{1,32}$/.test(String(c.command || ''))) {
        throw badRequest('BOT_COMMAND_INVALID');
      }
      const d = String(c.description || '');
      if (d.length < 1 || d.length > 256) throw badRequest('BOT_COMMAND_DESCRIPTION_INVALID');
    }
    const { key, scope } = commandsKey(body);
    commandStore(token).set(key, { scope, language_code: body.language_code || '', commands });
    wake(activityWaiters, token);
    return true;
  },
  deletemycommands: (token, body) => {
    commandStore(token).delete(commandsKey(body).key);
    return true;
  },
  getmycommands: (token, body) => {
    const entry = commandStore(token).get(commandsKey(body).key);
    return entry ? entry.commands : [];
  },

  setmydescription: (token, body) => {
    settingsFor(token).description = body.description || '';
    return true;
  },
  getmydescription: (token) => ({ description: settingsFor(token).description || '' }),
  setmyshortdescription: (token, body) => {
    settingsFor(token).short_description = body.short_description || '';
    return true;
  },
  getmyshortdescription: (token) => ({
    short_description: settingsFor(token).short_description || '',
  }),
  setmyname: (token, body) => {
    settingsFor(token).name = body.name || '';
    return true;
  },
  getmyname: (token) => ({ name: settingsFor(token).name || OPTS.botFirstName }),
  setchatmenubutton: (token, body) => {
    settingsFor(token).menu_button = body.menu_button || { type: 'default' };
    return true;
  },
  getchatmenubutton: (token) => settingsFor(token).menu_button || { type: 'commands' },
  setmydefaultadministratorrights: (token, body) => {
    settingsFor(token).default_admin_rights = body.rights || null;
    return true;
  },

  setwebhook: (token, body) => {
    const url = String(requireField(body, 'url'));
    let parsed;
    try {
      parsed = new URL(url);
    } catch (_e) {
      throw badRequest('invalid webhook URL specified');
    }
    if (!isLoopbackHost(parsed.hostname) || parsed.protocol !== 'http:') {
      // Never deliver traffic anywhere but loopback.
      throw badRequest('bad webhook: the emulator only delivers webhooks to http://127.0.0.1 '
        + '(loopback) addresses');
    }
    if (body.secret_token !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(body.secret_token)) {
      throw badRequest('secret token contains unallowed characters');
    }
    webhookErrors.delete(token);
    server.setWebhook({ ...body, url }, token);
    if (body.drop_pending_updates) confirmUpTo(token, server.updateId);
    return true;
  },
  deletewebhook: (token, body) => {
    server.deleteWebhook(token);
    webhookErrors.delete(token);
    if (body.drop_pending_updates) confirmUpTo(token, server.updateId);
    return true;
  },
  getwebhookinfo: (token) => {
    const hook = server.webhooks[token];
    const info = {
      url: hook ? hook.url : '',
      has_custom_certificate: false,
      pending_update_count: pendingUpdates(token).length,
    };
    if (hook && hook.max_connections !== undefined) info.max_connections = hook.max_connections;
    if (hook && Array.isArray(hook.allowed_updates)) info.allowed_updates = hook.allowed_updates;
    const lastError = webhookErrors.get(token);
    if (hook && lastError) {
      info.last_error_date = lastError.date;
      info.last_error_message = lastError.message;
    }
    return info;
  },

  getchat: (token, body) => {
    const chat = chatFor(requireField(body, 'chat_id'));
    return { ...chat, accent_color_id: 0, max_reaction_count: 11, accepted_gift_types: {
      unlimited_gifts: false, limited_gifts: false, unique_gifts: false,
      premium_subscription: false,
    } };
  },
  getfile: (token, body) => {
    const fileId = String(requireField(body, 'file_id'));
    const info = uploadedFiles.get(fileId);
    return {
      file_id: fileId,
      file_unique_id: `u_${crypto.createHash('md5').update(fileId).digest('hex').slice(0, 12)}`,
      file_size: info ? info.size : TINY_PNG.length,
      file_path: `files/${encodeURIComponent(fileId)}`,
    };
  },
};

for (const [name, kind] of Object.entries(MEDIA_METHODS)) {
  BOT_METHODS[name] = (token, body) => {
    requireField(body, 'chat_id');
    const value = body[kind];
    if (value === undefined || value === '') throw badRequest(`there is no ${kind} in the request`);
    if (body.caption !== undefined) {
      checkText(body.caption, body.parse_mode, { field: 'caption', max: 1024, allowEmpty: true });
    }
    checkReplyMarkup(body.reply_markup);
    const media = { [kind]: mediaFromUpload(kind, value, body) };
    const method = `send${kind[0].toUpperCase()}${kind.slice(1).replace(/_(\w)/g, (_m, c) => c.toUpperCase())}`;
    const stored = { ...body };
    if (stored[kind] && typeof stored[kind] === 'object') {
      stored[kind] = media[kind].file_id || media[kind][0].file_id;
    }
    if (stored.caption_parse_mode === undefined && stored.parse_mode !== undefined) {
      stored.caption_parse_mode = stored.parse_mode;
    }
    return botMessageObject(storeBotMessage(token, stored, method, media));
  };
}

function botMethodRouter(req, res, next) {
  if (req.method !== 'GET' && req.method !== 'POST') {
    next();
    return;
  }
  const { token } = req.params;
  const method = String(req.params.method).toLowerCase();
  let clientGone = false;
  res.on('close', () => { clientGone = true; });
  const fault = takeFault(token, method);
  if (fault && fault.delay_ms > 0) {
    // A slow server: answer (or fail) only after the delay. A call the client gave up on
    // meanwhile is still carried out, as Telegram would (a message is still sent), except
    // a long poll, which nobody is waiting for any more.
    setTimeout(() => {
      if (clientGone && method === 'getupdates') return;
      dispatchBotMethod(token, method, req, res, fault, () => clientGone);
    }, fault.delay_ms);
    return;
  }
  dispatchBotMethod(token, method, req, res, fault, () => clientGone);
}

function dispatchBotMethod(token, method, req, res, fault, isGone) {
  const gone = () => isGone() || res.writableEnded || res.destroyed;
  const handler = BOT_METHODS[method];
  try {
    if (fault && fault.error_code) {
      if (!gone()) {
        const out = { ok: false, error_code: fault.error_code, description: fault.description };
        if (fault.parameters) out.parameters = fault.parameters;
        res.status(fault.error_code).json(out);
      }
      return;
    }
    if (!handler) {
      // Every route of the package is overridden above; answer the rest like Telegram would
      // (400 -> telegram.error.BadRequest in PTB) with a clear message.
      throw badRequest(`method '${req.params.method}' is not implemented by the test emulator `
        + '(tests/e2e/emulator.js)');
    }
    if (handler === getUpdatesHandler) {
      getUpdatesHandler(token, req.body || {}, req, res);
      return;
    }
    const result = handler(token, req.body || {}, req, res);
    if (!gone()) ok(res, result);
  } catch (err) {
    if (!gone()) sendApiError(res, err);
  }
}

// Faults injected by tests: token -> [{method, error_code, description, parameters, times,
// until, delay_ms}]. `method` is a Bot API method in lower case, '*' (any but getUpdates) or
// 'all'; `times` null means "until `until`"; error_code 0 means "delay only".
const injectedFaults = new Map();

function faultMatches(entry, method) {
  return entry.method === method || entry.method === 'all'
    || (entry.method === '*' && method !== 'getupdates');
}

function takeFault(token, method) {
  const list = injectedFaults.get(token);
  if (!list) return null;
  const now = Date.now();
  for (let i = list.length - 1; i >= 0; i--) {
    if (list[i].until !== null && list[i].until <= now) list.splice(i, 1);
  }
  const idx = list.findIndex((e) => faultMatches(e, method));
  if (idx === -1) return null;
  const entry = list[idx];
  if (entry.times !== null) {
    entry.times -= 1;
    if (entry.times <= 0) list.splice(idx, 1);
  }
  const t = tokenStats(token);
  t.faults[method] = (t.faults[method] || 0) + 1;
  return { ...entry };
}

function sendApiError(res, err) {
  if (err instanceof ApiError) {
    res.status(err.code).json({ ok: false, error_code: err.code, description: err.message });
  } else {
    log(`internal error: ${err && err.stack}`);
    res.status(500).json({ ok: false, error_code: 500, description: `Internal Server Error: ${err}` });
  }
}

// 1x1 transparent PNG served for every file download.
const TINY_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);

function fileDownload(_req, res) {
  res.type('image/png').send(TINY_PNG);
}

// ---------------------------------------------------------------------------------------------
// Client (test user) routes
// ---------------------------------------------------------------------------------------------

function clientToken(body) {
  const token = body.token || body.botToken;
  if (!token) throw badRequest('token is required');
  return String(token);
}

function defaultUser(body) {
  return body.from || {
    id: 1001, is_bot: false, first_name: 'Test', username: 'test_user', language_code: 'en',
  };
}

function defaultChat(body, from) {
  if (body.chat) return body.chat;
  const id = body.chat_id !== undefined ? body.chat_id : from.id;
  return chatFor(id);
}

function resolveReply(token, message, body) {
  const replyId = body.reply_to_message_id;
  delete message.reply_to_message_id;
  if (replyId === undefined || replyId === null || message.reply_to_message) return;
  const replied = findMessageAnyone(token, message.chat.id, replyId);
  if (!replied) throw badRequest('message to be replied not found');
  message.reply_to_message = replied;
}

async function enqueueUserMessage(token, body, isCommand) {
  const from = defaultUser(body);
  const chat = defaultChat(body, from);
  rememberChat(chat);
  const message = {
    from,
    chat,
    date: body.date !== undefined ? toSeconds(Number(body.date)) : nowSeconds(),
    text: String(body.text !== undefined ? body.text : ''),
  };
  if (Array.isArray(body.entities) && body.entities.length) message.entities = body.entities;
  if (body.message_thread_id !== undefined) message.message_thread_id = body.message_thread_id;
  resolveReply(token, message, body);
  const updateId = server.updateId;
  const messageId = server.messageId;
  message.botToken = token; // the package keys storage by this field; stripped in formatUpdate
  if (isCommand) {
    if (!message.entities) throw badRequest('Command should have entities');
    await server.addUserCommand(message);
  } else {
    await server.addUserMessage(message);
  }
  return { update_id: updateId, message_id: messageId };
}

function fillMessage(token, m) {
  if (!m || typeof m !== 'object') return null;
  if (m.from === undefined) m.from = defaultUser({});
  if (m.chat === undefined) m.chat = chatFor(m.from.id);
  rememberChat(m.chat);
  if (m.date === undefined) m.date = nowSeconds();
  let assigned = null;
  if (m.message_id === undefined) {
    m.message_id = server.messageId;
    assigned = m.message_id;
    server.messageId += 1;
  }
  if (m.reply_to_message_id !== undefined) resolveReply(token, m, m);
  return assigned !== null ? assigned : m.message_id;
}

async function enqueueRaw(token, update) {
  if (!update || typeof update !== 'object' || Array.isArray(update)) {
    throw badRequest('update must be an object');
  }
  const raw = { ...update };
  delete raw.update_id;
  let messageId = null;
  for (const key of ['message', 'channel_post', 'business_message']) {
    if (raw[key]) messageId = fillMessage(token, (raw[key] = { ...raw[key] }));
  }
  for (const key of ['edited_message', 'edited_channel_post', 'edited_business_message']) {
    if (raw[key]) {
      raw[key] = { ...raw[key] };
      if (raw[key].edit_date === undefined) raw[key].edit_date = nowSeconds();
      messageId = fillMessage(token, raw[key]);
    }
  }
  if (raw.inline_query) {
    raw.inline_query = { offset: '', ...raw.inline_query };
    if (raw.inline_query.id === undefined) {
      inlineQuerySeq += 1;
      raw.inline_query.id = `${Date.now()}${inlineQuerySeq}`;
    }
    raw.inline_query.id = String(raw.inline_query.id);
    inlineQueries.set(raw.inline_query.id, { token, query: raw.inline_query.query });
  }
  if (raw.callback_query) {
    const cq = { ...raw.callback_query };
    if (cq.id === undefined) {
      cq.id = String(server.callbackId);
      server.callbackId += 1;
    }
    cq.id = String(cq.id);
    if (!cq.chat_instance) {
      cq.chat_instance = chatInstanceFor(cq.message && cq.message.chat ? cq.message.chat.id : 0);
    }
    callbackQueries.set(cq.id, { token });
    raw.callback_query = cq;
  }
  const common = server.getCommonFields(token);
  await server.addUserUpdate({ ...common, rawUpdate: raw });
  return {
    update_id: common.updateId,
    message_id: messageId,
    inline_query_id: raw.inline_query ? raw.inline_query.id : null,
    callback_query_id: raw.callback_query ? raw.callback_query.id : null,
  };
}

function waitUntil(token, body, compute, res) {
  // compute() -> {ready: bool, result}; hold the request up to body.timeout seconds.
  let timeout = body.timeout !== undefined ? Number(body.timeout) : 0;
  if (!Number.isFinite(timeout) || timeout < 0) timeout = 0;
  timeout = Math.min(timeout, 120);
  const first = compute();
  if (first.ready || timeout === 0) {
    ok(res, first.result);
    return;
  }
  let done = false;
  const waiter = { token, wake: () => { if (compute().ready) finish(); } };
  const timer = setTimeout(() => finish(), timeout * 1000);
  function finish() {
    if (done) return;
    done = true;
    clearTimeout(timer);
    activityWaiters.delete(waiter);
    if (!res.writableEnded && !res.destroyed) ok(res, compute().result);
  }
  activityWaiters.add(waiter);
  res.on('close', () => {
    done = true;
    clearTimeout(timer);
    activityWaiters.delete(waiter);
  });
}

const CLIENT_ROUTES = {
  // Overrides of the package's client routes: same request shape, but they return the ids
  // of what was enqueued and accept `token` as an alias of `botToken`.
  '/sendMessage': async (body) => enqueueUserMessage(clientToken(body), body, false),
  '/sendCommand': async (body) => enqueueUserMessage(clientToken(body), body, true),
  '/sendCallback': async (body) => {
    const token = clientToken(body);
    const from = defaultUser(body);
    const src = body.message || {};
    const chatId = src.chat && src.chat.id !== undefined ? src.chat.id : body.chat_id;
    const messageId = src.message_id !== undefined ? src.message_id : body.message_id;
    const rec = findBotRecord(token, chatId, messageId);
    if (!rec || rec.deleted) throw badRequest(`bot message ${messageId} not found in chat ${chatId}`);
    const message = botMessageObject(rec);
    rememberChat(message.chat);
    const id = String(server.callbackId);
    callbackQueries.set(id, { token });
    const updateId = server.updateId;
    await server.addUserCallback({
      botToken: token,
      id,
      from,
      message,
      data: body.data,
      chat_instance: body.chat_instance || chatInstanceFor(message.chat.id),
    });
    return { update_id: updateId, callback_query_id: id };
  },
  '/sendInlineQuery': async (body) => {
    const token = clientToken(body);
    const inlineQuery = {
      from: defaultUser(body),
      query: String(body.query !== undefined ? body.query : ''),
      offset: String(body.offset !== undefined ? body.offset : ''),
    };
    if (body.id !== undefined) inlineQuery.id = String(body.id);
    if (body.chat_type) inlineQuery.chat_type = body.chat_type;
    return enqueueRaw(token, { inline_query: inlineQuery });
  },
  '/sendRawUpdate': async (body) => enqueueRaw(clientToken(body), body.update),

  '/getBotMessages': (body, res) => {
    const token = clientToken(body);
    const after = body.after !== undefined ? Number(body.after) : 0;
    const count = body.count !== undefined ? Number(body.count) : 1;
    const limit = body.limit !== undefined ? Number(body.limit) : 1000;
    const compute = () => {
      const list = server.storage.botMessages
        .filter((r) => r.botToken === token && r.messageId > after
          && (body.chat_id === undefined || body.chat_id === null
            || sameChat(r.message.chat_id, body.chat_id))
          && (body.include_deleted || !r.deleted))
        .sort((a, b) => a.messageId - b.messageId)
        .slice(0, limit)
        .map(clientView);
      return { ready: list.length >= count, result: list };
    };
    waitUntil(token, body, compute, res);
  },
  '/getBotEdits': (body, res) => {
    const token = clientToken(body);
    const after = body.after !== undefined ? Number(body.after) : 0;
    const count = body.count !== undefined ? Number(body.count) : 1;
    const compute = () => {
      const list = edits
        .filter((e) => e.token === token && e.seq > after
          && (body.chat_id === undefined || body.chat_id === null
            || sameChat(e.chat_id, body.chat_id)))
        .map(({ token: _t, ...rest }) => rest);
      return { ready: list.length >= count, result: list };
    };
    waitUntil(token, body, compute, res);
  },
  '/getInlineAnswers': (body, res) => {
    const token = clientToken(body);
    const compute = () => {
      const list = Array.from(inlineAnswers.values())
        .filter((a) => a.token === token
          && (body.inline_query_id === undefined || body.inline_query_id === null
            || a.inline_query_id === String(body.inline_query_id)))
        .map(({ token: _t, ...rest }) => rest);
      return { ready: list.length > 0, result: list };
    };
    waitUntil(token, body, compute, res);
  },
  '/getCallbackAnswers': (body, res) => {
    const token = clientToken(body);
    const compute = () => {
      const list = callbackAnswers
        .filter((a) => a.token === token
          && (body.callback_query_id === undefined || body.callback_query_id === null
            || a.callback_query_id === String(body.callback_query_id)))
        .map(({ token: _t, ...rest }) => rest);
      return { ready: list.length > 0, result: list };
    };
    waitUntil(token, body, compute, res);
  },
  '/injectError': (body) => {
    // Make the bot's next `times` calls of `method` fail, e.g. error_code 429 with parameters
    // {retry_after: 1}, or 403 "Forbidden: bot was blocked by the user"; with `duration_ms`
    // every call for that long instead (a server outage); with `delay_ms` answer only after
    // that long (a slow server; with error_code 0 the call then succeeds). `method` may be '*'
    // (any but getUpdates) or 'all'.
    const token = clientToken(body);
    const duration = body.duration_ms !== undefined ? Number(body.duration_ms) : 0;
    const delay = body.delay_ms !== undefined ? Number(body.delay_ms) : 0;
    if (!Number.isFinite(duration) || duration < 0 || !Number.isFinite(delay) || delay < 0) {
      throw badRequest('duration_ms and delay_ms must be non-negative numbers');
    }
    let errorCode = body.error_code !== undefined ? Number(body.error_code) : 400;
    if (delay > 0 && body.error_code === undefined) errorCode = 0;
    if (!Number.isInteger(errorCode) || (errorCode !== 0 && (errorCode < 400 || errorCode > 599))) {
      throw badRequest('error_code must be 0 (delay only) or an HTTP error status');
    }
    const entry = {
      method: String(requireField(body, 'method')).toLowerCase(),
      error_code: errorCode,
      description: String(body.description || 'Bad Request: injected error'),
      parameters: body.parameters && typeof body.parameters === 'object' ? body.parameters : null,
      times: duration > 0 && body.times === undefined ? null : Number(body.times || 1),
      until: duration > 0 ? Date.now() + duration : null,
      delay_ms: delay,
    };
    if (!injectedFaults.has(token)) injectedFaults.set(token, []);
    injectedFaults.get(token).push(entry);
    return true;
  },
  '/clearFaults': (body) => {
    injectedFaults.delete(clientToken(body));
    return true;
  },
  '/getMyCommandsStored': (body) => {
    const token = clientToken(body);
    return Array.from(commandStore(token).values());
  },
  '/getChatActions': (body) => {
    const token = clientToken(body);
    return chatActions.filter((a) => a.token === token
      && (body.chat_id === undefined || sameChat(a.chat_id, body.chat_id)))
      .map(({ token: _t, ...rest }) => rest);
  },
  '/getBotSettings': (body) => ({ ...settingsFor(clientToken(body)) }),
  '/stats': (body) => {
    const result = {
      uptime_s: (Date.now() - startedAt) / 1000,
      total: stats.total,
      methods: { ...stats.methods },
      pending_long_polls: updateWaiters.size,
      webhook_deliveries: stats.webhook_deliveries || 0,
      webhook_failures: stats.webhook_failures || 0,
      next_update_id: server.updateId,
      next_message_id: server.messageId,
    };
    const token = body.token || body.botToken;
    if (token) {
      const t = tokenStats(String(token));
      result.token = {
        total: t.total,
        methods: { ...t.methods },
        faults: { ...t.faults },
        pending_updates: pendingUpdates(String(token)).length,
      };
    }
    return result;
  },
};

function wrapClient(handler) {
  return async (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'POST') {
      next();
      return;
    }
    try {
      const result = await handler(req.body || {}, res);
      if (result !== undefined && !res.headersSent) ok(res, result);
    } catch (err) {
      sendApiError(res, err);
    }
  };
}

// ---------------------------------------------------------------------------------------------
// Start
// ---------------------------------------------------------------------------------------------

async function main() {
  // storeTimeout is in seconds; the package multiplies by 1000 and uses it for setInterval,
  // so keep it below 2^31 ms. The purge daemon itself is disabled below (patch 6).
  server = new TelegramServer({ port: OPTS.port || 1, host: OPTS.host, storeTimeout: 86400 * 20 });
  server.config.port = OPTS.port; // allow --port 0 (the package maps 0 to 9000)
  if (OPTS.firstUpdateId !== null) server.updateId = OPTS.firstUpdateId;
  if (OPTS.firstMessageId !== null) server.messageId = OPTS.firstMessageId;
  server.cleanUpDaemon = () => {};
  server.cleanUp = () => {};
  TelegramServer.formatUpdate = formatUpdate; // also used for webhook delivery

  // Every client route ends in addUserUpdate: wake long polls after storing, and deliver
  // webhooks ourselves (the package's delivery omits the secret-token header).
  const originalAddUserUpdate = server.addUserUpdate.bind(server);
  server.addUserUpdate = async (update) => {
    const hook = server.webhooks[update.botToken];
    if (hook) {
      server.updateId += 1;
      await deliverWebhook(update.botToken, hook, formatUpdate(update));
      return;
    }
    await originalAddUserUpdate(update);
    wake(updateWaiters, update.botToken);
  };

  await server.start();
  const { port } = server.server.address();
  process.stdout.write(`READY ${port}\n`);
  log(`listening on http://${OPTS.host}:${port}`);

  let stopping = false;
  const stop = (why) => {
    if (stopping) return;
    stopping = true;
    log(`stopping (${why})`);
    // Held long polls would delay a graceful shutdown; answer nothing and just exit soon.
    setTimeout(() => process.exit(0), 1500).unref();
    server.stop().then(() => process.exit(0), () => process.exit(0));
    for (const w of Array.from(updateWaiters)) w.wake();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  if (OPTS.exitWithStdin) {
    process.stdin.on('end', () => stop('stdin closed'));
    process.stdin.on('error', () => stop('stdin error'));
    process.stdin.resume();
  }
}

main().catch((err) => {
  process.stderr.write(`emulator failed to start: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
