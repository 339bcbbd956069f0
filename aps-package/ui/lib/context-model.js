// What the context overview shows, from the context resource.
define(['./format'], function (format) {
  'use strict';

  return function overview(context, _) {
    var status = context.aps && context.aps.status;
    return {
      contextId: context.contextId != null ? String(context.contextId) : '–',
      state: format.stateLabel(status, _),
      disk: format.usage(context.diskspace, 'MB', _),
      mailboxes: format.usage(context.mailboxCount, '', _),
      mobility: format.usage(context.mobilityCount, '', _),
      canOpenOx: /ready/.test(status || 'aps:ready') && context.contextId != null,
    };
  };
});
