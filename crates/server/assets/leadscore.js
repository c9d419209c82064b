/*! leadscore.js: the website tracking snippet of leadscore (Segment-compatible calls). */
/*
 * Embed with one line:
 *   <script async src="https://leads.example.com/v1/leadscore.js" data-write-key="WRITE_KEY"></script>
 *
 * It keeps a first-party anonymous id cookie, sends a page call on every page
 * (path, URL, referrer, title and UTM parameters), identifies the visitor when
 * a form with an email field is submitted, and shows the visitor's current
 * offer in elements marked `data-leadscore-offer`. Written as plain ES2017
 * with no dependencies so that it stays a few kilobytes and runs as served.
 */
(function (w, d) {
  'use strict';
  var me = d.currentScript;
  if (!me || (w.leadscore && w.leadscore.version)) return;

  var attr = function (name, fallback) {
    var v = me.getAttribute(name);
    return v === null ? fallback : v;
  };
  var key = attr('data-write-key', '');
  // The API lives where the script was served from, unless told otherwise.
  var api = attr('data-api', me.src.replace(/\/v1\/leadscore\.js(\?.*)?$/, '')).replace(/\/+$/, '');
  var anonCookie = attr('data-cookie', 'ls_aid');
  var userCookie = anonCookie + '_uid';
  var cookieDomain = attr('data-cookie-domain', '');
  var keepDays = 730;

  function readCookie(name) {
    var parts = d.cookie ? d.cookie.split('; ') : [];
    for (var i = 0; i < parts.length; i++) {
      var eq = parts[i].indexOf('=');
      if (parts[i].slice(0, eq) === name) {
        try { return decodeURIComponent(parts[i].slice(eq + 1)); } catch (e) { return null; }
      }
    }
    return null;
  }

  function writeCookie(name, value, days) {
    d.cookie = name + '=' + encodeURIComponent(value) +
      '; Max-Age=' + Math.round(days * 86400) + '; Path=/; SameSite=Lax' +
      (cookieDomain ? '; Domain=' + cookieDomain : '') +
      (location.protocol === 'https:' ? '; Secure' : '');
  }

  function uuid() {
    if (w.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }

  // The cookie is written again on every page so it lasts while the visitor
  // keeps coming back (browsers cap script-set cookies, Safari at 7 days).
  var anonymousId = readCookie(anonCookie) || uuid();
  writeCookie(anonCookie, anonymousId, keepDays);
  var userId = readCookie(userCookie);

  var utmNames = { utm_source: 'source', utm_medium: 'medium', utm_campaign: 'name', utm_term: 'term', utm_content: 'content' };

  function campaign() {
    var out = {};
    var found = false;
    var q = new URLSearchParams(location.search);
    Object.keys(utmNames).forEach(function (k) {
      var v = q.get(k);
      if (v) { out[utmNames[k]] = v; found = true; }
    });
    return found ? out : undefined;
  }

  function pageFacts() {
    return { path: location.pathname, url: location.href, referrer: d.referrer, search: location.search, title: d.title };
  }

  function send(type, message) {
    message.type = type;
    message.anonymousId = anonymousId;
    if (userId) message.userId = userId;
    message.messageId = uuid();
    message.timestamp = new Date().toISOString();
    message.context = {
      page: pageFacts(),
      campaign: campaign(),
      userAgent: navigator.userAgent,
      locale: navigator.language,
      library: { name: 'leadscore.js', version: '1' }
    };
    // keepalive lets a call made as a form leaves the page still arrive.
    return fetch(api + '/v1/' + type, {
      method: 'POST',
      keepalive: true,
      credentials: 'omit',
      headers: { 'Content-Type': 'application/json', 'Authorization': 'Basic ' + btoa(key + ':') },
      body: JSON.stringify(message)
    }).catch(function () { return null; });
  }

  function page(name, properties) {
    var props = pageFacts();
    if (properties) Object.keys(properties).forEach(function (k) { props[k] = properties[k]; });
    return send('page', { name: name || d.title, properties: props });
  }

  function track(event, properties) {
    return send('track', { event: event, properties: properties || {} });
  }

  function identify(id, traits) {
    if (id) {
      userId = String(id);
      writeCookie(userCookie, userId, keepDays);
    }
    return send('identify', { traits: traits || {} });
  }

  function reset() {
    userId = null;
    anonymousId = uuid();
    writeCookie(userCookie, '', 0);
    writeCookie(anonCookie, anonymousId, keepDays);
  }

  function fetchOffer() {
    var q = 'anonymousId=' + encodeURIComponent(anonymousId) + (userId ? '&userId=' + encodeURIComponent(userId) : '');
    return fetch(api + '/v1/offer?' + q, {
      credentials: 'omit',
      headers: { 'Authorization': 'Basic ' + btoa(key + ':') }
    }).then(function (r) { return r.ok ? r.json() : { offer: null }; })
      .then(function (body) { return body.offer; })
      .catch(function () { return null; });
  }

  // Shows the child of each `data-leadscore-offer` element whose
  // `data-offer` names the offer's content key, and tells the page.
  function showOffer(offer) {
    if (!offer) return offer;
    var boxes = d.querySelectorAll('[data-leadscore-offer]');
    for (var i = 0; i < boxes.length; i++) {
      boxes[i].setAttribute('data-leadscore-offer', offer.content);
      var choices = boxes[i].querySelectorAll('[data-offer]');
      for (var j = 0; j < choices.length; j++) {
        choices[j].hidden = choices[j].getAttribute('data-offer') !== offer.content;
      }
    }
    w.dispatchEvent(new CustomEvent('leadscore:offer', { detail: offer }));
    return offer;
  }

  // Fields never sent as traits, whatever the form calls them.
  var secret = /pass|card|cvv|cvc|iban|ssn|token|csrf|secret/i;

  function formTraits(form) {
    var traits = {};
    var els = form.elements;
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      var type = (el.type || '').toLowerCase();
      if (!el.name || secret.test(el.name) || el.hasAttribute('data-leadscore-ignore')) continue;
      if (type === 'password' || type === 'hidden' || type === 'file' || type === 'submit' || type === 'button') continue;
      if ((type === 'checkbox' || type === 'radio') && !el.checked) continue;
      if (el.value !== '') traits[el.getAttribute('data-trait') || el.name] = el.value;
    }
    return traits;
  }

  function emailOf(form) {
    var field = form.querySelector('input[type=email]') ||
      form.querySelector('input[name*=email i]');
    var v = field && field.value.trim().toLowerCase();
    return v && v.indexOf('@') > 0 ? v : null;
  }

  d.addEventListener('submit', function (e) {
    var form = e.target;
    if (!form || form.hasAttribute('data-leadscore-ignore')) return;
    var email = emailOf(form);
    var name = form.getAttribute('data-leadscore-form') || form.id || form.getAttribute('name') || 'form';
    if (email) {
      var traits = formTraits(form);
      traits.email = email;
      identify(email, traits);
    }
    track('Form Submitted', { form: name, path: location.pathname });
  }, true);

  var ready = attr('data-auto-page', 'true') === 'false' ? Promise.resolve() : page();
  // The offer is asked for after this page's call is stored, so a trigger
  // that this visit fires shows at once.
  var offer = ready.then(fetchOffer).then(showOffer);

  w.leadscore = {
    version: '1',
    page: page,
    track: track,
    identify: identify,
    reset: reset,
    anonymousId: function () { return anonymousId; },
    userId: function () { return userId; },
    offer: function () { return offer; },
    refreshOffer: function () { offer = fetchOffer().then(showOffer); return offer; }
  };
})(window, document);
