// The provider's view of the instance settings: validation and the PUT body.
define([], function () {
  'use strict';

  var URL_RE = /^https?:\/\/[^\s/]+(\/\S*)?$/;

  function validate(input, _) {
    var errors = {};
    if (!URL_RE.test(input.oxSoapUrl || '')) errors.oxSoapUrl = _('Enter the SOAP URL, e.g. https://ox.example.com/webservices/');
    if (!URL_RE.test(input.oxPublicUrl || '')) errors.oxPublicUrl = _('Enter the URL customers open, e.g. https://webmail.example.com');
    if (!/^\/([^\s?#]*\/)?$/.test(input.productPath || '')) errors.productPath = _('Start and end with a slash, e.g. /appsuite/');
    if (input.loginClient === 'ox6' && input.productPath === '/appsuite/') errors.productPath = _('OX6 uses /ox6/');
    if (!(Number(input.defaultQuotaMb) >= 0)) errors.defaultQuotaMb = _('Enter a number of MB');
    if (!/^[a-z]{2}_[A-Z]{2}$/.test(input.defaultLanguage || '')) errors.defaultLanguage = _('Use a locale such as en_US');
    return errors;
  }

  /** The PUT body: the master password only when the provider typed a new one. */
  function toResource(input, current) {
    var r = {};
    Object.keys(current).forEach(function (k) { if (k !== 'masterPassword') r[k] = current[k]; });
    ['oxSoapUrl', 'oxPublicUrl', 'productPath', 'loginClient', 'masterLogin', 'contextAdminAccess', 'defaultTimezone',
      'defaultLanguage', 'imapServer', 'smtpServer', 'mobilityMode'].forEach(function (k) { if (input[k] !== undefined) r[k] = input[k]; });
    ['masterAccountOverride', 'debug'].forEach(function (k) { if (input[k] !== undefined) r[k] = Boolean(input[k]); });
    ['defaultQuotaMb', 'contextIdStart'].forEach(function (k) { if (input[k] !== undefined) r[k] = Number(input[k]); });
    if (input.masterPassword) r.masterPassword = input.masterPassword;
    return r;
  }

  return { validate: validate, toResource: toResource };
});
