// The provider's profile editor: validation and the resource JSON it sends.
define(['./i18n'], function (_) {
  'use strict';

  var FLAGS = ['webmail', 'contacts', 'calendar', 'tasks', 'infostore', 'webdav', 'ical', 'vcard', 'syncml', 'USM',
    'activeSync', 'OLOX20', 'collectEmailAddresses', 'multipleMailAccounts', 'subscription', 'publication',
    'editPublicFolders', 'readCreateSharedFolders', 'delegateTask', 'editGroup', 'editResource', 'editPassword',
    'publicFolderEditable', 'webdavXml', 'globalAddressBookDisabled', 'deniedPortal'];
  var CAP = /^[A-Za-z0-9_.-]+$/;

  function capabilities(text) {
    return String(text || '').split(/[\s,]+/).filter(Boolean);
  }

  function validate(input) {
    var errors = {};
    if (!input.title || !input.title.trim()) errors.title = _('Enter a title');
    if (input.mode === 'combination' && !/^[A-Za-z0-9_.-]+$/.test(input.accessCombination || '')) errors.accessCombination = _('Enter an access combination name, e.g. groupware_standard');
    if (input.mode === 'flags' && !(input.moduleAccess || []).length) errors.moduleAccess = _('Choose at least one module');
    if ((input.moduleAccess || []).some(function (f) { return FLAGS.indexOf(f) < 0; })) errors.moduleAccess = _('Unknown module');
    if (!capabilities(input.capabilities).every(function (c) { return CAP.test(c); })) errors.capabilities = _('Capabilities are names such as mobile_mail_app');
    ['uploadFileSizeLimit', 'uploadFileSizeLimitPerFile'].forEach(function (k) {
      if (input[k] != null && input[k] !== '' && !(Number(input[k]) >= 0)) errors[k] = _('Enter 0 (unlimited) or a number of bytes');
    });
    return errors;
  }

  function toResource(input, appId) {
    var r = {
      aps: { type: 'http://ox-connector.org/aps/profiles/1.0' },
      title: input.title.trim(), capabilities: capabilities(input.capabilities),
      uploadFileSizeLimit: Number(input.uploadFileSizeLimit || 0), uploadFileSizeLimitPerFile: Number(input.uploadFileSizeLimitPerFile || 0),
      includesMobility: Boolean(input.includesMobility), allowPasswordChange: Boolean(input.allowPasswordChange),
      app: { aps: { id: appId } },
    };
    if (input.mode === 'combination') r.accessCombination = input.accessCombination;
    else r.moduleAccess = input.moduleAccess.slice();
    return r;
  }

  return { FLAGS: FLAGS, words: capabilities, validate: validate, toResource: toResource };
});
