// The package's translation function. A view-plug-in runs inside the host application, whose
// global _() looks texts up in the host's translations: every module here binds _ to this package
// instead (aps/i18n with the package id aps/common reads from this module's location).
define(['module', 'aps/i18n', 'aps/common'], function (module, i18n, common) {
  'use strict';
  return i18n.bindToPackage(common.getPackageId(module));
});
