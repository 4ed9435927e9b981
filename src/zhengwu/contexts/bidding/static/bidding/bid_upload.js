// The bidder's browser path for a sealed file made by `zhengwu bid seal`: the same JSON API as
// `zhengwu bid submit` (/trading/api/bidding/), with the session and its CSRF token.
//
// 1. Read the file's clear header and trailer (sealing.py's layout) to learn the commitment: the
//    digest the upload must declare is format 2's chunk root over everything BEFORE the trailer,
//    H(magic ‖ header length ‖ header ‖ H(chunk 0) ‖ … ‖ H(chunk n−1)) with each chunk hashed as
//    stored (ciphertext ‖ tag); the size declared is the whole file's.
// 2. Compute that root with crypto.subtle.digest, one chunk in memory at a time, and check it
//    against the sealed commitment, so a damaged file is refused here. Where the browser cannot
//    (the 国密 suite's SM3, a page served without HTTPS), the commitment's digest is declared as
//    it is: the platform verifies the whole file on commit either way.
// 3. Start the upload, PUT the bytes in chunks (application/octet-stream, X-CSRFToken), and after
//    a network failure ask the server how much it holds and go on from there (`received`).
// 4. Commit, and show the signed receipt.
//
// Plain ES2020, no dependency. Every word it shows comes translated from the page
// (#bid-upload-text); the server enforces the deadline, this only mirrors it.
"use strict";

(() => {
  const MAGIC = "ZWSEAL02";
  const SEALED_FORMAT = "zhengwu-sealed/2";
  const TAG_SIZE = 16;
  const HEADER_MAX = 64 << 10;
  const TRAILER_MAX = 16 << 10;
  const RETRIES = 5;

  const textNode = document.getElementById("bid-upload-text");
  const text = textNode ? JSON.parse(textNode.textContent) : {};
  const fmt = (template, values) =>
    String(template || "").replace(/%\((\w+)\)s/g, (_, key) => String(values?.[key] ?? ""));
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const pad = (n) => String(n).padStart(2, "0");

  let busy = false;

  // --- the deadline ------------------------------------------------------------------------------

  function submissionClose() {
    if (busy) return; // the server answers an upload that crosses the deadline itself
    document.querySelectorAll("[data-open-only]").forEach((node) => node.remove());
    const note = document.querySelector("[data-closed-note]");
    if (note) {
      note.querySelector("strong").textContent = text.closed;
      note.hidden = false;
    }
  }

  function countdownStart() {
    const node = document.querySelector("[data-countdown]");
    if (!node) return;
    const deadline = Date.parse(node.dataset.deadline);
    // The server's clock is the legal one: correct the browser's by the difference at load.
    const skew = Date.parse(node.dataset.now) - Date.now();
    if (Number.isNaN(deadline) || Number.isNaN(skew)) return;
    const tick = () => {
      const left = deadline - (Date.now() + skew);
      if (left <= 0) {
        node.textContent = text.closed;
        submissionClose();
        if (busy) setTimeout(tick, 1000);
        return;
      }
      const total = Math.floor(left / 1000);
      const days = Math.floor(total / 86400);
      const time = `${pad(Math.floor((total % 86400) / 3600))}:${pad(Math.floor((total % 3600) / 60))}:${pad(total % 60)}`;
      node.textContent = fmt(text.countdown, { days, time });
      setTimeout(tick, (left % 1000) + 5);
    };
    tick();
  }

  // --- the API -----------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, body) {
      super(body.message);
      this.status = status;
      this.code = body.code;
      this.detail = body.detail || {};
    }
  }

  class NetworkError extends Error {}

  class LocalError extends Error {}

  const transient = (err) =>
    err instanceof NetworkError || (err instanceof ApiError && (err.status >= 500 || err.status === 429));

  function apiClient(form) {
    const base = form.dataset.api;
    const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    return async (method, path, { json, body } = {}) => {
      const headers = { Accept: "application/json", "X-CSRFToken": csrf };
      let payload;
      if (json !== undefined) {
        headers["Content-Type"] = "application/json";
        payload = JSON.stringify(json);
      } else if (body !== undefined) {
        headers["Content-Type"] = "application/octet-stream";
        payload = body;
      }
      let response;
      let raw;
      try {
        response = await fetch(base + path, { method, headers, body: payload, credentials: "same-origin" });
        raw = await response.text();
      } catch (err) {
        throw new NetworkError(String(err?.message || err));
      }
      let data = null;
      try {
        data = raw ? JSON.parse(raw) : null;
      } catch {
        data = null;
      }
      if (!response.ok) {
        if (data && typeof data.code === "string") throw new ApiError(response.status, data);
        throw new ApiError(response.status, { code: `http_${response.status}`, message: `HTTP ${response.status}` });
      }
      return data;
    };
  }

  // --- the sealed file ---------------------------------------------------------------------------

  const decode = (buffer) => new TextDecoder("utf-8", { fatal: true }).decode(buffer);

  async function sealedInspect(file) {
    const notSealed = () => new LocalError(text.not_sealed);
    const damaged = () => new LocalError(text.damaged);
    if (file.size < 12) throw notSealed();
    const head = new DataView(await file.slice(0, 12).arrayBuffer());
    let magic = "";
    for (let i = 0; i < 8; i++) magic += String.fromCharCode(head.getUint8(i));
    if (magic !== MAGIC) throw notSealed();
    const headerLength = head.getUint32(8); // big-endian, as struct ">I"
    if (headerLength > HEADER_MAX || 12 + headerLength > file.size) throw notSealed();
    let header;
    try {
      header = JSON.parse(decode(await file.slice(12, 12 + headerLength).arrayBuffer()));
    } catch {
      throw notSealed();
    }
    if (
      header?.format !== SEALED_FORMAT ||
      !Number.isSafeInteger(header.chunk_size) ||
      !Number.isSafeInteger(header.payload_size) ||
      header.chunk_size <= 0 ||
      header.payload_size < 0
    ) {
      throw notSealed();
    }
    const chunks = Math.max(1, Math.ceil(header.payload_size / header.chunk_size));
    // Magic, header and chunks: what the commitment's digest and size cover.
    const committed = 12 + headerLength + header.payload_size + chunks * TAG_SIZE;
    if (committed + 4 > file.size) throw damaged();
    const trailerLength = new DataView(await file.slice(committed, committed + 4).arrayBuffer()).getUint32(0);
    if (trailerLength > TRAILER_MAX || committed + 4 + trailerLength !== file.size) throw damaged();
    let commitment;
    try {
      commitment = JSON.parse(decode(await file.slice(committed + 4).arrayBuffer())).commitment;
    } catch {
      throw damaged();
    }
    if (
      !commitment ||
      commitment.size !== committed ||
      !/^[0-9a-f]{64}$/.test(String(commitment.digest)) ||
      commitment.section !== header.section ||
      commitment.envelope !== header.envelope
    ) {
      throw damaged();
    }
    return { header, commitment, committed, headerEnd: 12 + headerLength, chunks };
  }

  const hex = (buffer) => Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");

  async function digestCompute(file, info, say) {
    const subtle = window.isSecureContext ? window.crypto?.subtle : undefined;
    if (info.header.suite !== "intl" || !subtle) {
      say(text.digest_unchecked);
      return info.commitment.digest;
    }
    say(text.hashing);
    // The outer hash's input: magic, header length and header, then each stored chunk's digest.
    const outer = new Uint8Array(info.headerEnd + 32 * info.chunks);
    outer.set(new Uint8Array(await file.slice(0, info.headerEnd).arrayBuffer()), 0);
    const stored = info.header.chunk_size + TAG_SIZE;
    for (let i = 0; i < info.chunks; i++) {
      const start = info.headerEnd + i * stored;
      const end = Math.min(start + stored, info.committed);
      const digest = await subtle.digest("SHA-256", await file.slice(start, end).arrayBuffer());
      outer.set(new Uint8Array(digest), info.headerEnd + 32 * i);
    }
    const root = hex(await subtle.digest("SHA-256", outer));
    if (root !== info.commitment.digest) throw new LocalError(text.damaged);
    return root;
  }

  // --- the uploader ------------------------------------------------------------------------------

  function uploaderStart(form) {
    const call = apiClient(form);
    const section = form.dataset.section;
    const envelopes = (form.dataset.envelopes || "").split(",").filter(Boolean);
    const chunkSize = Math.max(1024, Number(form.dataset.chunkSize) || 4 << 20);
    const input = form.querySelector("input[type=file]");
    const startButton = form.querySelector("button[type=submit]");
    const resumeButton = form.querySelector("[data-resume]");
    const progress = form.querySelector("[data-progress]");
    const status = form.querySelector("[data-status]");
    const receiptBox = document.querySelector("[data-receipt]");
    // The file being sent and its upload, kept for "Resume" after the retries ran out.
    let job = null;

    const say = (message) => {
      status.textContent = message;
    };
    const show = (done, total) => {
      progress.hidden = false;
      progress.max = total;
      progress.value = done;
      say(fmt(text.uploading, { done: done.toLocaleString(), total: total.toLocaleString() }));
    };
    // The upload of one file survives a reload of the page: the same file resumes the same upload.
    const storageKey = (size, digest) => `zhengwu.bid-upload.${section}.${size}.${digest}`;
    const store = {
      get: (key) => {
        try {
          return window.localStorage.getItem(key);
        } catch {
          return null;
        }
      },
      set: (key, value) => {
        try {
          window.localStorage.setItem(key, value);
        } catch {
          // private browsing: resuming after a reload is lost, nothing else
        }
      },
      drop: (key) => {
        try {
          window.localStorage.removeItem(key);
        } catch {
          // as above
        }
      },
    };

    async function retrying(action) {
      for (let attempt = 0; ; attempt++) {
        try {
          return await action();
        } catch (err) {
          if (!transient(err) || attempt >= RETRIES) throw err;
          const seconds = Math.min(2 ** attempt, 30);
          say(fmt(text.retrying, { seconds }));
          await sleep(seconds * 1000);
        }
      }
    }

    async function prepare(file) {
      say(text.reading);
      const info = await sealedInspect(file);
      if (info.header.section !== section) throw new LocalError(fmt(text.wrong_section, info.header));
      if (!envelopes.includes(info.header.envelope)) throw new LocalError(fmt(text.wrong_envelope, info.header));
      const digest = await digestCompute(file, info, say);
      return { file, info, digest, upload: null, key: storageKey(file.size, digest) };
    }

    async function uploadOpen(current) {
      const saved = store.get(current.key);
      if (saved) {
        say(text.resuming);
        try {
          const found = await call("GET", `/uploads/${encodeURIComponent(saved)}`);
          if (found.status === "open" && found.size === current.file.size && found.digest === current.digest) {
            return found;
          }
        } catch (err) {
          if (transient(err)) throw err;
        }
        store.drop(current.key);
      }
      say(text.starting);
      const started = await retrying(() =>
        call("POST", `/sections/${encodeURIComponent(section)}/uploads`, {
          json: { envelope: current.info.header.envelope, size: current.file.size, digest: current.digest },
        }),
      );
      store.set(current.key, started.id);
      return started;
    }

    async function chunksSend(current) {
      const { file, upload } = current;
      const size = file.size;
      const step = Math.min(chunkSize, upload.chunk_max || chunkSize);
      const path = `/uploads/${encodeURIComponent(upload.id)}`;
      let offset = upload.received;
      let failures = 0;
      show(offset, size);
      while (offset < size) {
        const end = Math.min(offset + step, size);
        try {
          const answer = await call("PUT", `${path}/chunks?offset=${offset}`, { body: file.slice(offset, end) });
          offset = Number(answer.received);
          failures = 0;
        } catch (err) {
          if (err instanceof ApiError && err.code === "chunk_offset_mismatch") {
            // The server holds a different amount than this page thought (an answer was lost).
            offset = Number(err.detail.expected);
          } else if (transient(err) && failures < RETRIES) {
            const seconds = Math.min(2 ** failures, 30);
            failures += 1;
            say(fmt(text.retrying, { seconds }));
            await sleep(seconds * 1000);
            try {
              // Resume from what the server really received, not from what this page sent.
              offset = Number((await call("GET", path)).received);
            } catch (again) {
              if (!transient(again)) throw again;
            }
          } else {
            throw err;
          }
        }
        if (!Number.isSafeInteger(offset) || offset < 0 || offset > size) throw new LocalError(text.damaged);
        upload.received = offset;
        show(offset, size);
      }
    }

    async function commit(current) {
      say(text.committing);
      try {
        return await retrying(() => call("POST", `/uploads/${encodeURIComponent(current.upload.id)}/commit`));
      } catch (err) {
        if (!(err instanceof ApiError && err.code === "upload_closed" && err.detail.status === "committed")) throw err;
        // The commit went through but its answer was lost: the receipt is among our bids.
        const mine = await retrying(() => call("GET", `/bids/mine?section=${encodeURIComponent(section)}`));
        for (const bid of mine.reverse()) {
          if (bid.digest === current.digest && bid.size === current.file.size) {
            const accepted = bid.receipts.filter((r) => r.kind === "accepted");
            if (accepted.length) return accepted[accepted.length - 1];
          }
        }
        throw err;
      }
    }

    function receiptShow(receipt) {
      let body = {};
      try {
        body = JSON.parse(receipt.body);
      } catch {
        body = {};
      }
      receiptBox.replaceChildren();
      const title = document.createElement("p");
      const strong = document.createElement("strong");
      strong.textContent = text.accepted;
      title.append(strong);
      const facts = document.createElement("dl");
      facts.className = "facts";
      const rows = [
        ["id", receipt.id],
        ["section", body.section],
        ["envelope", body.envelope],
        ["digest", body.digest],
        ["size", body.size],
        // The signed body states UTC; the API gives the same instant in Beijing time.
        ["server_time", receipt.issued_at || body.server_time],
        ["key_id", receipt.key_id],
      ];
      for (const [name, value] of rows) {
        const dt = document.createElement("dt");
        dt.textContent = text[`field_${name}`] || name;
        const dd = document.createElement("dd");
        const code = document.createElement("code");
        code.textContent = String(value ?? "");
        code.dataset.field = name;
        dd.append(code);
        facts.append(dt, dd);
      }
      const links = document.createElement("p");
      const download = document.createElement("a");
      download.href = `${form.dataset.receipts}${encodeURIComponent(receipt.id)}/`;
      download.textContent = text.download;
      download.dataset.testid = "upload-receipt-download";
      const reload = document.createElement("a");
      reload.href = form.dataset.bids;
      reload.textContent = text.reload;
      links.append(download, " · ", reload);
      receiptBox.append(title, facts, links);
      receiptBox.dataset.receiptId = receipt.id;
      receiptBox.dataset.digest = String(body.digest ?? "");
      receiptBox.hidden = false;
    }

    async function run() {
      if (busy || !job) return;
      busy = true;
      startButton.disabled = true;
      resumeButton.hidden = true;
      try {
        if (job.upload) {
          // "Resume": start from what the server holds now.
          const id = encodeURIComponent(job.upload.id);
          job.upload = await retrying(() => call("GET", `/uploads/${id}`));
        } else {
          job.upload = await uploadOpen(job);
        }
        await chunksSend(job);
        const receipt = await commit(job);
        store.drop(job.key);
        job = null;
        say("");
        progress.hidden = true;
        input.value = "";
        receiptShow(receipt);
      } catch (err) {
        if (transient(err) && job?.upload) {
          say(text.interrupted);
          resumeButton.hidden = false;
        } else {
          if (job) store.drop(job.key);
          job = null;
          say(err instanceof ApiError ? fmt(text.refused, { message: err.message, code: err.code }) : err.message);
        }
      } finally {
        busy = false;
        startButton.disabled = false;
      }
    }

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (busy) return;
      const file = input.files?.[0];
      if (!file) {
        say(text.no_file);
        return;
      }
      receiptBox.hidden = true;
      try {
        job = await prepare(file);
      } catch (err) {
        job = null;
        say(err.message);
        return;
      }
      await run();
    });
    resumeButton.addEventListener("click", () => run());
    form.hidden = false;
  }

  countdownStart();
  const form = document.querySelector("form[data-bid-upload]");
  if (form) uploaderStart(form);
})();
