/**
 * Deterministic generation of a realistic user directory: the same `users` and `seed` always give the same
 * directory. Pure: no I/O, no clock.
 */
import type { Contact, Division, GenesysUser } from '../genesys/types.js';
import { createPrng, deriveSeed, type Prng } from './prng.js';

export interface DirectoryOptions {
  users: number;
  seed: number;
  /** Domain of the generated e-mail addresses. */
  emailDomain?: string;
}

export const DEFAULT_EMAIL_DOMAIN = 'example.com';

/** Splits a comma-separated list written across lines. */
const list = (text: string): readonly string[] =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

const FIRST_NAMES = list(`
  James, Mary, Robert, Patricia, John, Jennifer, Michael, Linda, David, Elizabeth, William, Barbara, Richard,
  Susan, Joseph, Jessica, Thomas, Sarah, Charles, Karen, Christopher, Lisa, Daniel, Nancy, Matthew, Betty,
  Anthony, Margaret, Mark, Sandra, Donald, Ashley, Steven, Kimberly, Paul, Emily, Andrew, Donna, Joshua,
  Michelle, Kenneth, Carol, Kevin, Amanda, Brian, Melissa, George, Deborah, Timothy, Stephanie, Ronald, Rebecca,
  Edward, Sharon, Jason, Laura, Jeffrey, Cynthia, Ryan, Kathleen, Jacob, Amy, Gary, Angela, Nicholas, Shirley,
  Eric, Anna, Jonathan, Brenda, Stephen, Pamela, Larry, Emma, Justin, Nicole, Scott, Helen, Brandon, Samantha,
  Benjamin, Katherine, Samuel, Christine, Gregory, Debra, Alexander, Rachel, Patrick, Carolyn, Frank, Janet,
  Raymond, Catherine, Jack, Maria, Dennis, Heather, Jerry, Diane, Tyler, Olivia, Aaron, Julie, Jose, Joyce, Adam,
  Victoria, Nathan, Ruth, Henry, Virginia, Zachary, Lauren, Douglas, Kelly, Peter, Christina, Kyle, Joan, Noah,
  Evelyn, Ethan, Judith, Jeremy, Andrea, Christian, Hannah, Walter, Megan, Keith, Cheryl, Austin, Jacqueline,
  Roger, Martha, Terry, Madison, Sean, Teresa, Gerald, Gloria, Carl, Sara, Dylan, Janice, Harold, Ann, Jordan,
  Kathryn, Jesse, Abigail, Bryan, Sophia, Lawrence, Frances, Arthur, Jean, Gabriel, Alice, Bruce, Judy, Logan,
  Isabella, Billy, Julia, Joe, Grace, Alan, Amber, Juan, Denise, Elijah, Danielle, Willie, Marilyn, Albert,
  Beverly, Wayne, Charlotte, Randy, Natalie, Mason, Theresa, Vincent, Diana, Liam, Brittany, Roy, Doris, Bobby,
  Kayla, Caleb, Alexis, Bradley, Lori, Russell, Marie, Lucas, Chloé, Søren, Zoë, Siobhán, José, Renée, Björn,
  Aoife, Priya, Wei, Hiroshi, Fatima, Olumide, Mateo, Ingrid, Raj, Yuki, Amara, Dmitri, Leilani
`);

const LAST_NAMES = list(`
  Smith, Johnson, Williams, Brown, Jones, Garcia, Miller, Davis, Rodriguez, Martinez, Hernandez, Lopez, Gonzalez,
  Wilson, Anderson, Thomas, Taylor, Moore, Jackson, Martin, Lee, Perez, Thompson, White, Harris, Sanchez, Clark,
  Ramirez, Lewis, Robinson, Walker, Young, Allen, King, Wright, Scott, Torres, Nguyen, Hill, Flores, Green,
  Adams, Nelson, Baker, Hall, Rivera, Campbell, Mitchell, Carter, Roberts, Gomez, Phillips, Evans, Turner, Diaz,
  Parker, Cruz, Edwards, Collins, Reyes, Stewart, Morris, Morales, Murphy, Cook, Rogers, Gutierrez, Ortiz,
  Morgan, Cooper, Peterson, Bailey, Reed, Kelly, Howard, Ramos, Kim, Cox, Ward, Richardson, Watson, Brooks,
  Chavez, Wood, James, Bennett, Gray, Mendoza, Ruiz, Hughes, Price, Alvarez, Castillo, Sanders, Patel, Myers,
  Long, Ross, Foster, Jimenez, Powell, Jenkins, Perry, Russell, Sullivan, Bell, Coleman, Butler, Henderson,
  Barnes, Gonzales, Fisher, Vasquez, Simmons, Romero, Jordan, Patterson, Alexander, Hamilton, Graham, Reynolds,
  Griffin, Wallace, Moreno, West, Cole, Hayes, Bryant, Herrera, Gibson, Ellis, Tran, Medina, Aguilar, Stevens,
  Murray, Ford, Castro, Marshall, Owens, Harrison, Fernandez, O'Brien, McDonald, Woods, Washington, Kennedy,
  Wells, Vargas, Henry, Chen, Freeman, Webb, Tucker, Guzman, Burns, Crawford, Olson, Simpson, Porter, Hunter,
  Gordon, Mendez, Silva, Shaw, Snyder, Mason, Dixon, Muñoz, Hunt, Hicks, Holmes, Palmer, Wagner, Black,
  Robertson, Boyd, Rose, Stone, Salazar, Fox, Warren, Mills, Meyer, Rice, Schmidt, Garza, Daniels, Ferguson,
  Nichols, Stephens, Soto, Weaver, Ryan, Gardner, Payne, Grant, Dunn, Kelley, Spencer, Hawkins, Van der Berg,
  Müller, Ó Súilleabháin, Nakamura, Okafor, Kowalski, Johansson, Dubois, Rossi, Novak, Haddad, Singh, Kaur,
  Yamamoto, Lindqvist, Petrov, Kahananui
`);

const DEPARTMENTS: readonly { name: string; titles: readonly string[] }[] = [
  {
    name: 'Customer Care',
    titles: ['Customer Care Agent', 'Senior Customer Care Agent', 'Team Lead', 'Customer Care Supervisor'],
  },
  { name: 'Sales', titles: ['Sales Representative', 'Account Executive', 'Sales Manager', 'Inside Sales Agent'] },
  { name: 'Technical Support', titles: ['Support Engineer', 'Senior Support Engineer', 'Support Supervisor'] },
  { name: 'Billing', titles: ['Billing Specialist', 'Collections Agent', 'Billing Supervisor'] },
  { name: 'Retention', titles: ['Retention Specialist', 'Loyalty Agent', 'Retention Team Lead'] },
  { name: 'Quality Assurance', titles: ['Quality Analyst', 'QA Coach'] },
  { name: 'Workforce Management', titles: ['WFM Analyst', 'Scheduler', 'Real-Time Analyst'] },
  { name: 'IT', titles: ['Systems Administrator', 'Telephony Engineer', 'IT Manager'] },
  { name: 'Human Resources', titles: ['HR Business Partner', 'Recruiter', 'HR Coordinator'] },
];

const EXECUTIVE_TITLES = ['Chief Executive Officer', 'VP Customer Experience', 'Director of Operations'] as const;

const EMPLOYEE_TYPES = ['Full-time', 'Full-time', 'Full-time', 'Full-time', 'Part-time', 'Contractor'] as const;

interface Region {
  division: Division;
  countryCode: string;
  /** Returns [E.164 address, display] of a fictional number. */
  phone(prng: Prng): [string, string];
}

// 555-01XX (North America) and 020 7946 0XXX (UK) are ranges reserved for fiction: no real number is generated.
const US_AREA_CODES = ['317', '212', '415', '312', '206', '512', '404', '617', '303', '702'] as const;
const usPhone = (prng: Prng): [string, string] => {
  const area = prng.pick(US_AREA_CODES);
  const line = `01${String(prng.int(0, 99)).padStart(2, '0')}`;
  return [`+1${area}555${line}`, `(${area}) 555-${line}`];
};
const ukPhone = (prng: Prng): [string, string] => {
  const line = `0${String(prng.int(0, 999)).padStart(3, '0')}`;
  return [`+44207946${line}`, `+44 20 7946 ${line}`];
};

function divisionsFor(seed: number): Region[] {
  const prng = createPrng(deriveSeed(seed, 'divisions'));
  const division = (name: string): Division => {
    const id = prng.uuid();
    return { id, name, selfUri: `/api/v2/authorization/divisions/${id}` };
  };
  return [
    { division: division('Home'), countryCode: 'US', phone: usPhone },
    { division: division('North America Contact Center'), countryCode: 'US', phone: usPhone },
    { division: division('EMEA Contact Center'), countryCode: 'GB', phone: ukPhone },
    { division: division('Back Office'), countryCode: 'US', phone: usPhone },
    { division: division('Partners'), countryCode: 'US', phone: usPhone },
  ];
}

/**
 * The organisation's divisions for a seed, the ones generated users belong to: `Home` (the organisation's default)
 * first. Independent of the number of users.
 */
export function directoryDivisions(seed: number): Division[] {
  return divisionsFor(seed).map((region) => ({ ...region.division }));
}

const folded = new Map<string, string>();

/** Lower-case ASCII form of a name for an e-mail address: "Zoë" → "zoe", "O'Brien" → "obrien". */
function fold(name: string): string {
  let out = folded.get(name);
  if (out === undefined) {
    out = name
      .normalize('NFD')
      .replace(/\p{Diacritic}/gu, '')
      .toLowerCase()
      .replace(/ø/g, 'o')
      .replace(/[^a-z0-9]/g, '');
    folded.set(name, out);
  }
  return out;
}

const isoDates = new Map<number, string>();

function isoDate(daysSinceEpoch: number): string {
  let date = isoDates.get(daysSinceEpoch);
  if (date === undefined) {
    date = new Date(daysSinceEpoch * 86_400_000).toISOString().slice(0, 10);
    isoDates.set(daysSinceEpoch, date);
  }
  return date;
}

const HIRE_FROM = Math.floor(Date.UTC(2008, 0, 1) / 86_400_000);
const HIRE_TO = Math.floor(Date.UTC(2024, 11, 31) / 86_400_000);

export function generateDirectory(options: DirectoryOptions): GenesysUser[] {
  const { users: count, seed } = options;
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`users must be a non-negative integer, got ${count}`);
  const domain = options.emailDomain ?? DEFAULT_EMAIL_DOMAIN;
  const prng = createPrng(deriveSeed(seed, 'directory'));
  const regions = divisionsFor(seed);
  const emailCounts = new Map<string, number>();
  const users: GenesysUser[] = [];

  for (let i = 0; i < count; i++) {
    const id = prng.uuid();
    const first = prng.pick(FIRST_NAMES);
    const last = prng.pick(LAST_NAMES);
    const name = `${first} ${last}`;
    const base = `${fold(first)}.${fold(last)}`;
    // james.smith, then james.smith2, james.smith3, …
    const seen = (emailCounts.get(base) ?? 0) + 1;
    emailCounts.set(base, seen);
    const email = seen === 1 ? `${base}@${domain}` : `${base}${seen}@${domain}`;

    const region = i === 0 ? (regions[0] as Region) : prng.pick(regions);
    const department = prng.pick(DEPARTMENTS);
    const title = i < 3 ? EXECUTIVE_TITLES[i] : prng.pick(department.titles);

    const addresses: Contact[] = [];
    if (prng.chance(0.9)) {
      if (prng.chance(0.12)) {
        const extension = String(prng.int(2000, 8999));
        addresses.push({ extension, display: extension, mediaType: 'PHONE', type: 'WORK' });
      } else {
        const [address, display] = region.phone(prng);
        addresses.push({ address, display, countryCode: region.countryCode, mediaType: 'PHONE', type: 'WORK' });
      }
    }
    if (prng.chance(0.1)) {
      const extension = String(prng.int(2000, 8999));
      addresses.push({ extension, display: extension, mediaType: 'PHONE', type: 'WORK2' });
    }
    if (prng.chance(0.7)) {
      const [address, display] = region.phone(prng);
      addresses.push({ address, display, countryCode: region.countryCode, mediaType: 'PHONE', type: 'MOBILE' });
    }
    if (prng.chance(0.2)) {
      const [address, display] = region.phone(prng);
      addresses.push({ address, display, countryCode: region.countryCode, mediaType: 'PHONE', type: 'HOME' });
    }

    const user: GenesysUser = {
      id,
      name,
      division: region.division,
      chat: { jabberId: `${id.replace(/-/g, '').slice(0, 24)}@emulator.orgspan.com` },
      department: department.name,
      email,
      primaryContactInfo: [{ address: email, mediaType: 'EMAIL', type: 'PRIMARY' }],
      addresses,
      state: i > 0 && prng.chance(0.05) ? 'inactive' : 'active',
      title,
      username: email,
      version: 1,
      employerInfo: {
        officialName: prng.chance(0.3) ? `${first} ${String.fromCharCode(65 + prng.int(0, 25))}. ${last}` : name,
        employeeId: `E${String(100_000 + i).padStart(6, '0')}`,
        employeeType: prng.pick(EMPLOYEE_TYPES),
        dateHire: isoDate(prng.int(HIRE_FROM, HIRE_TO)),
      },
      acdAutoAnswer: prng.chance(0.1),
      selfUri: `/api/v2/users/${id}`,
    };
    if (prng.chance(0.1)) user.preferredName = first.length > 4 ? first.slice(0, 3) : first;
    if (i > 0) {
      // The manager comes from the first eighth of the users before this one: a tree rooted at user 0, about
      // eight reports per manager, and a directory that is a prefix of any longer one with the same seed.
      const manager = users[prng.int(0, Math.max(1, Math.floor(i / 8)) - 1)] as GenesysUser;
      user.manager = { id: manager.id, selfUri: `/api/v2/users/${manager.id}` };
    }
    users.push(user);
  }
  return users;
}
