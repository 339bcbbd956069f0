// The OX context (one per subscription) a view works in. The panel runs in MSS mode: it repeats
// the customer tree per subscription, binds that subscription's context to the `context` var and
// sends its id with every write (aps.context.subscriptionId).
define([], function () {
  'use strict';

  /** A collection var as an array (a panel may bind a single resource or nothing). */
  function list(bound) {
    if (!bound) return [];
    return Array.isArray(bound) ? bound : [bound];
  }

  function label(ctx) {
    var name = ctx.domain || ctx.contextName || ctx.aps.id;
    return ctx.contextId != null ? name + ' (' + ctx.contextId + ')' : name;
  }

  /** The subscription a context belongs to (a link, or its id as the panel may give it). */
  function subscriptionOf(ctx) {
    var sub = ctx && ctx.aps && ctx.aps.subscription;
    return typeof sub === 'string' ? sub : sub && sub.aps && sub.aps.id;
  }

  return { list: list, label: label, subscriptionOf: subscriptionOf };
});
