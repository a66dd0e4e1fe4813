/* 6.3+: vm_flags are changed through helpers */
#include <linux/mm.h>
void conftest(struct vm_area_struct *vma);
void conftest(struct vm_area_struct *vma) { vm_flags_clear(vma, VM_MAYWRITE); }
