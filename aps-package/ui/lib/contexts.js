// The OX subscription (context) the customer works in. An account may hold several, so every view
// binds them all and shows a choice; the choice is kept for the session, not on the View.
define([], function () {
  'use strict';
  var KEY = 'ox-connector.context';
  var chosen;

  function storage() {
    try { return window.sessionStorage; } catch (e) { return undefined; }
  }

  /** A collection var as an array (a panel may bind a single resource or nothing). */
  function list(bound) {
    if (!bound) return [];
    return Array.isArray(bound) ? bound : [bound];
  }

  function label(ctx) {
    var name = ctx.domain || ctx.contextName || ctx.aps.id;
    return ctx.contextId != null ? name + ' (' + ctx.contextId + ')' : name;
  }

  function options(contexts) {
    return contexts.map(function (c) { return { value: c.aps.id, label: label(c) }; });
  }

  /** The chosen context, else the first. */
  function current(contexts) {
    var s = storage();
    var id = chosen || (s && s.getItem(KEY));
    return contexts.filter(function (c) { return c.aps.id === id; })[0] || contexts[0];
  }

  function choose(contexts, id) {
    chosen = id;
    var s = storage();
    if (s) s.setItem(KEY, id);
    return current(contexts);
  }

  /** What a write inside the context names: the subscription it belongs to. */
  function subscriptionOf(ctx) {
    var sub = ctx && ctx.aps && ctx.aps.subscription;
    return typeof sub === 'string' ? sub : sub && sub.aps && sub.aps.id;
  }

  /** Fills a subscription choice (hidden when there is only one); answers the current context. */
  function fillChoice(select, contexts) {
    var ctx = current(contexts);
    select.set('options', options(contexts));
    if (ctx) select.set('value', ctx.aps.id);
    select.set('visible', contexts.length > 1);
    return ctx;
  }

  return {
    list: list, label: label, options: options, current: current, choose: choose, subscriptionOf: subscriptionOf, fillChoice: fillChoice,
  };
});
