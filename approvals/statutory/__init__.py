"""The statutory documents of a dossier (Decree 331 Appendix Forms 01–07, and their Decree 85 counterparts):
drafted from policy templates, numbered from the issuing body's register, rendered as PDF and DOCX, signed
outside Attesta and verified on upload. See docs/statutory-documents.md."""
