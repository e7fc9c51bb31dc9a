/* The field app (templates/field/): offline list, check-in by position, the visit's recording
   uploaded in numbered chunks with their SHA-256, the ID screen, signatures, check-out.
   No inline script (the Content-Security-Policy allows /static only). */
(function () {
  "use strict";
  const body = document.body;
  const csrf = body.dataset.csrf;

  // --- offline use -------------------------------------------------------------------------
  if ("serviceWorker" in navigator && body.dataset.sw) {
    navigator.serviceWorker.register(body.dataset.sw, { scope: "/field/" }).catch(() => {});
  }
  const badge = document.getElementById("offline-badge");
  const showOnline = () => badge && badge.classList.toggle("d-none", navigator.onLine);
  window.addEventListener("online", showOnline);
  window.addEventListener("offline", showOnline);
  showOnline();
  document.querySelectorAll("form[data-field-logout]").forEach((form) => {
    form.addEventListener("submit", () => {
      if (window.caches) caches.delete("fairdebt-field-v1");
      const worker = navigator.serviceWorker && navigator.serviceWorker.controller;
      if (worker) worker.postMessage("forget");
    });
  });

  const root = document.getElementById("visit");
  if (!root) return;
  const words = document.getElementById("field-words").dataset;
  const message = document.getElementById("message");

  function say(text, kind) {
    message.textContent = text;
    message.className = "alert py-2 alert-" + (kind || "info");
  }

  async function post(url, payload, headers) {
    if (!navigator.onLine) throw { error: words.offline, hint: "" };
    const isJson = !(payload instanceof Blob) && !(payload instanceof FormData);
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: Object.assign(
        { "X-CSRF-Token": csrf }, isJson ? { "Content-Type": "application/json" } : {}, headers || {},
      ),
      body: isJson ? JSON.stringify(payload) : payload,
    });
    let data = {};
    try { data = await response.json(); } catch (e) { data = { error: String(response.status) }; }
    if (!response.ok) throw Object.assign({ status: response.status }, data);
    return data;
  }

  function refusal(problem) {
    say((problem.error || "") + (problem.hint ? " — " + problem.hint : ""), "danger");
  }

  // --- steps -------------------------------------------------------------------------------
  function show(step) {
    document.querySelectorAll("section.step").forEach((s) => {
      s.classList.toggle("d-none", s.dataset.step !== step);
    });
    window.scrollTo(0, 0);
  }
  document.querySelectorAll("[data-next]").forEach((button) => {
    button.addEventListener("click", () => show(button.dataset.next));
  });

  // --- recording ---------------------------------------------------------------------------
  const queue = [];
  let seq = Number(root.dataset.nextSeq || 0);
  let sent = 0;
  let recorder = null;
  let uploading = false;
  const params = new URLSearchParams(location.search);
  const sliceMs = Math.min(30, Math.max(1, Number(params.get("chunk_s")) || 10)) * 1000;

  function counts() {
    document.getElementById("rec-sent").textContent = String(sent);
    document.getElementById("rec-pending").textContent = String(queue.length);
  }

  async function hex(blob) {
    const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
    return Array.from(new Uint8Array(digest)).map((b) => b.toString(16).padStart(2, "0")).join("");
  }

  async function pump() {
    if (uploading) return;
    uploading = true;
    while (queue.length) {
      const chunk = queue[0];
      try {
        const sha = await hex(chunk.blob);
        await post(root.dataset.audio + "?seq=" + chunk.seq, chunk.blob, {
          "Content-Type": chunk.blob.type || "audio/webm",
          "X-Chunk-SHA256": sha,
        });
        queue.shift();
        sent += 1;
      } catch (problem) {
        if (problem.status === 507 || problem.status === 503) {
          // no room on the server (or it is busy): keep the recording, say so, try again later
          refusal(problem);
          await new Promise((r) => setTimeout(r, 30000));
          continue;
        }
        if (problem.status && problem.status !== 400) { refusal(problem); queue.shift(); continue; }
        if (problem.status === 400 && ++chunk.tries > 3) { refusal(problem); queue.shift(); continue; }
        await new Promise((r) => setTimeout(r, 2000)); // offline or a dropped connection: again
      }
      counts();
    }
    uploading = false;
    counts();
  }

  async function startRecording() {
    document.getElementById("recbar").classList.remove("d-none");
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      recorder = new MediaRecorder(stream);
      recorder.addEventListener("dataavailable", (event) => {
        if (event.data && event.data.size) {
          queue.push({ seq: seq++, blob: event.data, tries: 0 });
          counts();
          pump();
        }
      });
      recorder.start(sliceMs);
      document.getElementById("recbar").classList.add("recording");
      document.getElementById("rec-state").textContent = words.recording;
    } catch (e) {
      say(words.noMicrophone, "danger");
    }
  }

  function stopRecording() {
    return new Promise((resolve) => {
      if (!recorder || recorder.state === "inactive") return resolve();
      recorder.addEventListener("stop", () => {
        recorder.stream.getTracks().forEach((t) => t.stop());
        document.getElementById("recbar").classList.remove("recording");
        document.getElementById("rec-state").textContent = words.notRecording;
        setTimeout(resolve, 50); // the last dataavailable comes before stop
      }, { once: true });
      recorder.stop();
    });
  }

  async function drained(seconds) {
    const end = Date.now() + seconds * 1000;
    while ((queue.length || uploading) && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  function atTheDoor() {
    show("show-id");
    document.getElementById("photos").classList.remove("d-none");
    startRecording();
  }

  // --- check-in ----------------------------------------------------------------------------
  document.getElementById("do-check-in").addEventListener("click", () => {
    say(words.locating, "secondary");
    navigator.geolocation.getCurrentPosition(async (position) => {
      try {
        await post(root.dataset.checkIn, {
          lat: position.coords.latitude, lon: position.coords.longitude,
          accuracy: position.coords.accuracy,
        });
        say(words.checkedIn, "success");
        atTheDoor();
      } catch (problem) { refusal(problem); }
    }, () => say(words.noPosition, "danger"), { enableHighAccuracy: true, timeout: 20000 });
  });
  if (root.dataset.status === "checked_in") atTheDoor();

  // --- ID screen ---------------------------------------------------------------------------
  const idcard = document.getElementById("idcard");
  document.getElementById("do-show-id").addEventListener("click", async () => {
    try {
      const card = await post(root.dataset.showId, {});
      document.getElementById("id-org").textContent = card.organisation;
      const list = document.getElementById("id-agents");
      list.replaceChildren();
      card.agents.forEach((agent) => {
        const row = document.createElement("div");
        row.className = "idcard-agent";
        if (agent.photo) {
          const img = document.createElement("img");
          img.src = agent.photo;
          img.alt = agent.name;
          row.append(img);
        }
        const text = document.createElement("div");
        [["name", agent.name], ["", agent.certificate_no], ["small", agent.issuer],
          ["small", "≤ " + agent.expires_on]].forEach(([cls, value]) => {
          const line = document.createElement("div");
          line.className = cls;
          line.textContent = value;
          text.append(line);
        });
        row.append(text);
        list.append(row);
      });
      document.getElementById("id-code").textContent = card.code;
      document.getElementById("id-verify").textContent = card.verify_url;
      idcard.classList.remove("d-none");
      if (idcard.requestFullscreen) idcard.requestFullscreen().catch(() => {});
    } catch (problem) { refusal(problem); }
  });
  document.getElementById("close-id").addEventListener("click", () => {
    idcard.classList.add("d-none");
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
  });

  // --- who is at the door ------------------------------------------------------------------
  function met() {
    const picked = document.querySelector("input[name=outcome]:checked");
    return picked ? picked.value : "";
  }
  document.querySelectorAll("input[name=outcome]").forEach((radio) => {
    radio.addEventListener("change", () => {
      document.getElementById("third-party-warning").classList.toggle("d-none", met() !== "relative_present");
      document.getElementById("nobody-help").classList.toggle("d-none", met() !== "nobody_home");
    });
  });

  // --- signatures --------------------------------------------------------------------------
  const pads = {};
  document.querySelectorAll("canvas.sigpad").forEach((canvas) => {
    const ctx = canvas.getContext("2d");
    ctx.lineWidth = 3;
    ctx.lineCap = "round";
    ctx.strokeStyle = "#0b1f4b";
    pads[canvas.id] = { canvas, dirty: false };
    let drawing = false;
    const at = (event) => {
      const box = canvas.getBoundingClientRect();
      return [(event.clientX - box.left) * canvas.width / box.width,
        (event.clientY - box.top) * canvas.height / box.height];
    };
    canvas.addEventListener("pointerdown", (event) => {
      drawing = true;
      canvas.setPointerCapture(event.pointerId);
      ctx.beginPath();
      ctx.moveTo(...at(event));
    });
    canvas.addEventListener("pointermove", (event) => {
      if (!drawing) return;
      ctx.lineTo(...at(event));
      ctx.stroke();
      pads[canvas.id].dirty = true;
    });
    canvas.addEventListener("pointerup", () => { drawing = false; });
  });
  document.querySelectorAll("[data-clear]").forEach((button) => {
    button.addEventListener("click", () => {
      const pad = pads[button.dataset.clear];
      pad.canvas.getContext("2d").clearRect(0, 0, pad.canvas.width, pad.canvas.height);
      pad.dirty = false;
    });
  });
  function signature(id) {
    if (!pads[id].dirty) throw { error: words.signFirst, hint: "" };
    return pads[id].canvas.toDataURL("image/png");
  }

  // --- contacts, notice, photos ------------------------------------------------------------
  document.getElementById("do-contacts").addEventListener("click", async () => {
    try {
      await post(root.dataset.contacts, {
        phone: document.getElementById("new-phone").value,
        address: document.getElementById("new-address").value,
      });
      say(words.saved, "success");
    } catch (problem) { refusal(problem); }
  });
  async function notice(refused) {
    try {
      const payload = {
        document: document.getElementById("document").value,
        signer: document.getElementById("signer").value,
        refused,
      };
      if (!refused) payload.signature = signature("sig-person");
      await post(root.dataset.notice, payload);
      say(words.saved, "success");
      show("outcome");
    } catch (problem) { refusal(problem); }
  }
  document.getElementById("do-notice-signed").addEventListener("click", () => notice(false));
  document.getElementById("do-notice-refused").addEventListener("click", () => notice(true));
  document.getElementById("do-photo").addEventListener("click", async () => {
    const file = document.getElementById("photo-file").files[0];
    if (!file) return;
    const form = new FormData();
    form.append("photo", file);
    if (document.getElementById("inside-home").checked) form.append("inside_home", "on");
    if (document.getElementById("consent").checked) form.append("consent", "on");
    try {
      await post(root.dataset.photo, form);
      say(words.saved, "success");
    } catch (problem) { refusal(problem); }
  });

  // --- check-out ---------------------------------------------------------------------------
  document.getElementById("do-check-out").addEventListener("click", async () => {
    const value = (id) => document.getElementById(id).value;
    try {
      const payload = {
        outcome: met(),
        relationship: value("relationship"),
        sealed_letter_left: document.getElementById("sealed-letter").checked,
        arrears_reason: value("arrears-reason"),
        ability: value("ability"),
        willingness: value("willingness"),
        promise_amount: value("promise-amount"),
        promise_due: value("promise-due"),
        promise_channel: value("promise-channel"),
        plan_proposal: value("plan-proposal"),
        notes: value("notes"),
        signature: signature("sig-first"),
        second_username: value("second-username"),
        second_password: value("second-password"),
        second_signature: signature("sig-second"),
      };
      await stopRecording();
      await drained(20);
      const done = await post(root.dataset.checkOut, payload);
      document.getElementById("second-password").value = "";
      document.getElementById("done-text").textContent = words.done;
      document.getElementById("report-link").href = done.report_url;
      if (done.money_alert && done.money_alert.length) {
        const alert = document.getElementById("money-alert");
        alert.textContent = words.moneyAlert + " (" + done.money_alert.join(", ") + ")";
        alert.classList.remove("d-none");
      }
      document.getElementById("photos").classList.add("d-none");
      message.className = "alert d-none";
      show("done");
    } catch (problem) {
      refusal(problem);
      if (recorder && recorder.state === "inactive") startRecording(); // still at the door
    }
  });
})();
