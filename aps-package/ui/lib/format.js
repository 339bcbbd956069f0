// Formatting for the control-panel views (AMD module; loaded by the control panel and by tests).
define(['./i18n'], function (_) {
  'use strict';

  function number(n) {
    return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  }

  /** "123 of 2,048 MB (6 %)"; "123 MB (unlimited)" when there is no limit. */
  function usage(counter, unit) {
    var used = counter && typeof counter.usage === 'number' ? counter.usage : 0;
    var limit = counter && typeof counter.limit === 'number' && counter.limit >= 0 ? counter.limit : null;
    var u = unit ? ' ' + unit : '';
    if (limit === null) return number(used) + u + ' (' + _('unlimited') + ')';
    var pct = limit === 0 ? 100 : Math.min(100, Math.round((used / limit) * 100));
    return number(used) + ' ' + _('of') + ' ' + number(limit) + u + ' (' + pct + ' %)';
  }

  function stateLabel(status) {
    if (!status) return _('Unknown');
    if (/disabled/.test(status)) return _('Disabled');
    if (/provisioning|configuring/.test(status)) return _('In progress');
    if (/ready/.test(status)) return _('Active');
    return status;
  }

  /** What the overview and the dashboard show of a context. */
  function contextSummary(ctx) {
    var status = ctx.aps && ctx.aps.status;
    return {
      contextId: ctx.contextId != null ? String(ctx.contextId) : '–',
      state: stateLabel(status),
      disk: usage(ctx.diskspace, 'MB'),
      mailboxes: usage(ctx.mailboxCount, ''),
      mobility: usage(ctx.mobilityCount, ''),
      canOpenOx: /ready/.test(status || 'aps:ready') && ctx.contextId != null,
    };
  }

  /** The OX mailboxes among a user's services (any version of the mailbox type). */
  function mailboxesOf(services, mailboxType) {
    var base = mailboxType.replace(/\/\d+\.\d+$/, '/');
    return (services || []).filter(function (s) { return s && s.aps && typeof s.aps.type === 'string' && s.aps.type.indexOf(base) === 0; });
  }

  /** A user service's state as the user list takes it (fixed English words, never translated). */
  function serviceStatus(apsStatus) {
    if (/unprovisioning|deleting/.test(apsStatus || '')) return 'Deleting';
    if (/provisioning|configuring/.test(apsStatus || '')) return 'Updating';
    return 'Assigned';
  }

  function yesNo(value) {
    return value ? _('Yes') : _('No');
  }

  return {
    number: number, usage: usage, stateLabel: stateLabel, contextSummary: contextSummary, mailboxesOf: mailboxesOf,
    serviceStatus: serviceStatus, yesNo: yesNo,
  };
});
